"""The store network adapters: the peer service (HTTP server) and the client that asks the peers."""
