"""Strings shared by every screen."""

ZH_CN = {
    "OK": "确定",
    "Cancel": "取消",
    "Back": "返回",
    "Save": "保存",
    "Close": "关闭",
    "Sign out": "退出登录",
}
