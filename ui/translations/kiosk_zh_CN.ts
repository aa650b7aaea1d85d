<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>kiosk</name>
    <message>
        <source>(no folders inside)</source>
        <translation>（里面没有文件夹）</translation>
    </message>
    <message>
        <source>A PIN is 4 to 8 digits.</source>
        <translation>PIN 为 4 到 8 位数字。</translation>
    </message>
    <message>
        <source>A Z report closes the day {day} with a numbered report. Continue?</source>
        <translation>Z 报表将以编号报表结束 {day} 的营业。继续吗？</translation>
    </message>
    <message>
        <source>ACCEPTED</source>
        <translation>核销成功</translation>
    </message>
    <message>
        <source>Again</source>
        <translation>再输一次</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>All offline redemptions awaiting upload (fen)</source>
        <translation>待上传离线核销总额上限（分）</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <source>App</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Ask the platform operator for a one-time enrollment code. Enrolling sets the store and terminal ids and stores the terminal's token in the secrets folder.</source>
        <translation>请向平台运营人员索取一次性注册码。注册会设置门店和终端编号，并把终端令牌保存在 secrets 文件夹中。</translation>
    </message>
    <message>
        <source>Asking the platform…</source>
        <translation>正在询问平台…</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Availability</source>
        <translation>可用性</translation>
    </message>
    <message>
        <source>Average {avg} ★ from {n} ratings</source>
        <translation>平均 {avg} ★（共 {n} 条评价）</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>By mode</source>
        <translation>按在线或离线</translation>
    </message>
    <message>
        <source>CHECK NEEDED</source>
        <translation>需要确认</translation>
    </message>
    <message>
        <source>CUPS printer: queue name (raw queue)</source>
        <translation>CUPS 打印机：队列名（raw 队列）</translation>
    </message>
    <message>
        <source>CUPS queue</source>
        <translation>CUPS 队列</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <source>Camera:</source>
        <translation>摄像头：</translation>
    </message>
    <message>
        <source>Camera: a number for a connected camera (0 is the first), or a folder of images, or a video file. Test scan reads one picture with these values; Save keeps them.</source>
        <translation>摄像头：填写已连接摄像头的编号（0 为第一个），或图片文件夹，或视频文件。“测试扫码”按这些值读取一张图片；“保存”后生效。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cannot reach the platform:</source>
        <translation>无法连接平台：</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Cashier screen</source>
        <translation>收银界面</translation>
    </message>
    <message>
        <source>Check the platform's TLS certificate</source>
        <translation>校验平台的 TLS 证书</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <source>Chinese text</source>
        <translation>中文打印方式</translation>
    </message>
    <message>
        <source>Chinese text: gb18030 (printer has a Chinese font), image (rendered), auto (by profile)</source>
        <translation>中文：gb18030（打印机自带中文字库）、image（渲染为图像）、auto（按型号）</translation>
    </message>
    <message>
        <source>Choose a redemption in the table first.</source>
        <translation>请先在表格中选择一笔核销。</translation>
    </message>
    <message>
        <source>Choose image folder…</source>
        <translation>选择图片文件夹…</translation>
    </message>
    <message>
        <source>Choose video file…</source>
        <translation>选择视频文件…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Closes the day with a numbered report.</source>
        <translation>以编号报表结束当日营业。</translation>
    </message>
    <message>
        <source>Conflicts &amp;&amp; rejections</source>
        <translation>冲突与拒绝</translation>
    </message>
    <message>
        <source>Conflicts / rejected</source>
        <translation>冲突 / 被拒绝</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Could not collect the diagnostics:</source>
        <translation>无法收集诊断信息：</translation>
    </message>
    <message>
        <source>Could not create the exports folder ({error}). Check that the disk is not full and that the data folder can be written.</source>
        <translation>无法创建导出文件夹（{error}）。请检查磁盘是否已满、数据文件夹是否可写。</translation>
    </message>
    <message>
        <source>Could not create the exports folder ({error}). Check that the disk is not full, or call the technician.</source>
        <translation>无法创建导出文件夹（{error}）。请检查磁盘是否已满，或联系技术员。</translation>
    </message>
    <message>
        <source>Could not read the ledger:</source>
        <translation>无法读取账本：</translation>
    </message>
    <message>
        <source>Could not record this redemption: {error}. Nothing was saved — scan again; if it repeats, call the technician.</source>
        <translation>无法记录本次核销：{error}。没有保存任何内容——请重新扫描；如果反复出现，请联系技术人员。</translation>
    </message>
    <message>
        <source>Could not save the CSV file ({error}). Choose another folder, or check that the drive is plugged in and not full.</source>
        <translation>无法保存 CSV 文件（{error}）。请选择其他文件夹，或检查存储设备已插好且未满。</translation>
    </message>
    <message>
        <source>Could not write the bundle:</source>
        <translation>无法写入诊断包：</translation>
    </message>
    <message>
        <source>Could not write the settings file:</source>
        <translation>无法写入设置文件：</translation>
    </message>
    <message>
        <source>Customer ratings</source>
        <translation>顾客评价</translation>
    </message>
    <message>
        <source>Database size</source>
        <translation>数据库大小</translation>
    </message>
    <message>
        <source>Date and time</source>
        <translation>日期时间</translation>
    </message>
    <message>
        <source>Day:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>Deal</source>
        <translation>套餐</translation>
    </message>
    <message>
        <source>Deal sku, e.g. SET-MEAL-2P</source>
        <translation>套餐编号，如 SET-MEAL-2P</translation>
    </message>
    <message>
        <source>Decided offline — will upload when the platform is back</source>
        <translation>离线核销——平台恢复后自动上传</translation>
    </message>
    <message>
        <source>Decoder</source>
        <translation>解码器</translation>
    </message>
    <message>
        <source>Demo PINs — cashier {c}, manager {m}, technician {te}</source>
        <translation>演示 PIN——收银员 {c}，店长 {m}，技术员 {te}</translation>
    </message>
    <message>
        <source>Demo: hold a voucher up to the camera</source>
        <translation>演示：把券码举到摄像头前</translation>
    </message>
    <message>
        <source>Diagnostics</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Enroll</source>
        <translation>注册</translation>
    </message>
    <message>
        <source>Enroll this terminal</source>
        <translation>注册本终端</translation>
    </message>
    <message>
        <source>Enrolled as store {store}, terminal {terminal}.</source>
        <translation>已注册为门店 {store}、终端 {terminal}。</translation>
    </message>
    <message>
        <source>Enrolled with a platform</source>
        <translation>已在平台注册</translation>
    </message>
    <message>
        <source>Enrolling…</source>
        <translation>正在注册…</translation>
    </message>
    <message>
        <source>Enrollment code</source>
        <translation>注册码</translation>
    </message>
    <message>
        <source>Enter the platform address first.</source>
        <translation>请先填写平台地址。</translation>
    </message>
    <message>
        <source>Enter your PIN</source>
        <translation>请输入 PIN</translation>
    </message>
    <message>
        <source>Exit kiosk mode</source>
        <translation>退出自助终端模式</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Export diagnostics bundle</source>
        <translation>导出诊断包</translation>
    </message>
    <message>
        <source>Export diagnostics bundle…</source>
        <translation>导出诊断包…</translation>
    </message>
    <message>
        <source>Export the day as CSV: choose a folder</source>
        <translation>将当日导出为 CSV：选择文件夹</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <source>Exports folder</source>
        <translation>导出文件夹</translation>
    </message>
    <message>
        <source>Feedback link address</source>
        <translation>评价链接地址</translation>
    </message>
    <message>
        <source>File or device path</source>
        <translation>文件或设备路径</translation>
    </message>
    <message>
        <source>Fix the field marked in red first.</source>
        <translation>请先修正标红的字段。</translation>
    </message>
    <message>
        <source>Folder of images</source>
        <translation>图片文件夹</translation>
    </message>
    <message>
        <source>Frames per second</source>
        <translation>每秒帧数</translation>
    </message>
    <message>
        <source>Height (pixels)</source>
        <translation>高度（像素）</translation>
    </message>
    <message>
        <source>Host or IP address</source>
        <translation>主机名或 IP 地址</translation>
    </message>
    <message>
        <source>Hour of the day</source>
        <translation>时段（点）</translation>
    </message>
    <message>
        <source>How many uses of {deal} now?</source>
        <translation>本次核销 {deal} 几次？</translation>
    </message>
    <message>
        <source>In use: {camera}</source>
        <translation>正在使用：{camera}</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Largest offline redemption (fen)</source>
        <translation>单笔离线核销上限（分）</translation>
    </message>
    <message>
        <source>Last receipt (file printer)</source>
        <translation>最近一张小票（文件打印机）</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Last warnings and errors</source>
        <translation>最近的警告和错误</translation>
    </message>
    <message>
        <source>Last warnings and errors, newest first ({n})</source>
        <translation>最近的警告和错误，最新的在最前（{n} 条）</translation>
    </message>
    <message>
        <source>List</source>
        <translation>门店价</translation>
    </message>
    <message>
        <source>List price</source>
        <translation>门店价</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>Log (newest at the bottom)</source>
        <translation>日志（最新的在最下方）</translation>
    </message>
    <message>
        <source>Log file</source>
        <translation>日志文件</translation>
    </message>
    <message>
        <source>Looking through the camera…</source>
        <translation>正在从摄像头取图…</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Manager PIN</source>
        <translation>店长 PIN</translation>
    </message>
    <message>
        <source>Manager — the day</source>
        <translation>店长——今日核销</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>NOT VALID</source>
        <translation>无效券</translation>
    </message>
    <message>
        <source>Network: connected</source>
        <translation>网络：已连接</translation>
    </message>
    <message>
        <source>Network: unplugged</source>
        <translation>网络：已断开</translation>
    </message>
    <message>
        <source>New PIN</source>
        <translation>新 PIN</translation>
    </message>
    <message>
        <source>Next customer</source>
        <translation>下一位顾客</translation>
    </message>
    <message>
        <source>Next day</source>
        <translation>后一天</translation>
    </message>
    <message>
        <source>No errors logged.</source>
        <translation>日志中没有错误。</translation>
    </message>
    <message>
        <source>No picture from the camera:</source>
        <translation>摄像头没有画面：</translation>
    </message>
    <message>
        <source>No price flags.</source>
        <translation>没有价格提示。</translation>
    </message>
    <message>
        <source>No ratings for this day yet.</source>
        <translation>当天暂无评价。</translation>
    </message>
    <message>
        <source>No store prices yet.</source>
        <translation>尚未设置本店价格。</translation>
    </message>
    <message>
        <source>No warnings or errors in {path}.</source>
        <translation>{path} 中没有警告或错误。</translation>
    </message>
    <message>
        <source>Nobody signed in</source>
        <translation>无人登录</translation>
    </message>
    <message>
        <source>Nothing changed.</source>
        <translation>没有改动。</translation>
    </message>
    <message>
        <source>Nothing was saved: fix the field marked in red.</source>
        <translation>未保存任何内容：请修正标红的字段。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Offline (this store)</source>
        <translation>线下（本店）</translation>
    </message>
    <message>
        <source>Offline at most (hours since the last sync)</source>
        <translation>最长离线时间（距上次同步的小时数）</translation>
    </message>
    <message>
        <source>Offline limits</source>
        <translation>离线限额</translation>
    </message>
    <message>
        <source>Oldest cancelled-voucher list (hours)</source>
        <translation>作废券清单最长时效（小时）</translation>
    </message>
    <message>
        <source>On duty:</source>
        <translation>当班：</translation>
    </message>
    <message>
        <source>Online (platform)</source>
        <translation>线上（平台）</translation>
    </message>
    <message>
        <source>Online and offline</source>
        <translation>在线和离线</translation>
    </message>
    <message>
        <source>Online answer timeout (seconds)</source>
        <translation>在线答复超时（秒）</translation>
    </message>
    <message>
        <source>Or scan it with the handheld scanner, or type the code.</source>
        <translation>也可以用扫码枪扫描，或手动输入券码。</translation>
    </message>
    <message>
        <source>PIN saved.</source>
        <translation>PIN 已保存。</translation>
    </message>
    <message>
        <source>PINs</source>
        <translation>PIN 码</translation>
    </message>
    <message>
        <source>PINs are 4 to 8 digits. Type the new PIN twice. Only a salted hash is kept.</source>
        <translation>PIN 为 4 到 8 位数字。新 PIN 请输入两次。系统只保存加盐哈希。</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>实付</translation>
    </message>
    <message>
        <source>Paid online</source>
        <translation>线上支付</translation>
    </message>
    <message>
        <source>Paid online {paid} · List price {list} · Saving {saving}</source>
        <translation>线上支付 {paid} · 门店价 {list} · 节省 {saving}</translation>
    </message>
    <message>
        <source>Paper width (mm)</source>
        <translation>纸宽（毫米）</translation>
    </message>
    <message>
        <source>Platform</source>
        <translation>平台</translation>
    </message>
    <message>
        <source>Platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <source>Platform calls: {calls} · Attempts: {attempts} (genuine vouchers: {genuine}) · Accepted: {accepted}</source>
        <translation>平台调用：{calls} · 核销尝试：{attempts}（真券：{genuine}）· 成功：{accepted}</translation>
    </message>
    <message>
        <source>Platform:</source>
        <translation>平台：</translation>
    </message>
    <message>
        <source>Plug back in</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <source>Previous day</source>
        <translation>前一天</translation>
    </message>
    <message>
        <source>Price flags</source>
        <translation>价格提示</translation>
    </message>
    <message>
        <source>Price, e.g. 128.00</source>
        <translation>价格，如 128.00</translation>
    </message>
    <message>
        <source>Print X report</source>
        <translation>打印 X 报表</translation>
    </message>
    <message>
        <source>Print Z report</source>
        <translation>打印 Z 报表</translation>
    </message>
    <message>
        <source>Print test page</source>
        <translation>打印测试页</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Printer connection</source>
        <translation>打印机连接方式</translation>
    </message>
    <message>
        <source>Printer profile</source>
        <translation>打印机型号配置</translation>
    </message>
    <message>
        <source>Printer:</source>
        <translation>打印机：</translation>
    </message>
    <message>
        <source>Printing is not set up on this terminal.</source>
        <translation>本终端尚未设置打印。</translation>
    </message>
    <message>
        <source>Pull the plug</source>
        <translation>断开网络</translation>
    </message>
    <message>
        <source>Python / PySide6 / Qt</source>
        <translation>Python / PySide6 / Qt</translation>
    </message>
    <message>
        <source>QR decoder: zxing (default) or zbar</source>
        <translation>二维码解码器：zxing（默认）或 zbar</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Read {n} code(s) in {ms} ms:</source>
        <translation>用时 {ms} 毫秒，读到 {n} 个码：</translation>
    </message>
    <message>
        <source>Reason for the void (required)</source>
        <translation>撤销原因（必填）</translation>
    </message>
    <message>
        <source>Redeem</source>
        <translation>核销</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>核销笔数</translation>
    </message>
    <message>
        <source>Redemption</source>
        <translation>核销</translation>
    </message>
    <message>
        <source>Redemption list</source>
        <translation>核销明细</translation>
    </message>
    <message>
        <source>Redemptions</source>
        <translation>核销笔数</translation>
    </message>
    <message>
        <source>Redemptions per hour</source>
        <translation>每小时核销笔数</translation>
    </message>
    <message>
        <source>Redemptions per upload</source>
        <translation>每次上传笔数</translation>
    </message>
    <message>
        <source>Redemptions the platform did not take as they were: a conflict means the voucher was used elsewhere first; a rejection means it was not valid. Check with the customer or the platform operator.</source>
        <translation>平台未按原样接受的核销：冲突表示该券已先在别处使用；拒绝表示该券无效。请与顾客或平台运营人员核实。</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Report sent to the printer (job {job}).</source>
        <translation>报表已发送到打印机（任务 {job}）。</translation>
    </message>
    <message>
        <source>Report sent to the printer.</source>
        <translation>报表已发送到打印机。</translation>
    </message>
    <message>
        <source>Reprint last receipt</source>
        <translation>补打上一张小票</translation>
    </message>
    <message>
        <source>Response time (median)</source>
        <translation>响应时间（中位数）</translation>
    </message>
    <message>
        <source>Response time (p95)</source>
        <translation>响应时间（p95）</translation>
    </message>
    <message>
        <source>SQLAlchemy</source>
        <translation>SQLAlchemy</translation>
    </message>
    <message>
        <source>Same code counts once within (seconds)</source>
        <translation>同一码在此秒数内只算一次</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save here</source>
        <translation>保存到这里</translation>
    </message>
    <message>
        <source>Save price</source>
        <translation>保存价格</translation>
    </message>
    <message>
        <source>Save the printer settings first.</source>
        <translation>请先保存打印机设置。</translation>
    </message>
    <message>
        <source>Saved {count} redemptions to {path}</source>
        <translation>已将 {count} 笔核销保存到 {path}</translation>
    </message>
    <message>
        <source>Saved {path}. It holds no token, PIN or key.</source>
        <translation>已保存 {path}。其中不含令牌、PIN 或密钥。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Saved: {sku} at {price}</source>
        <translation>已保存：{sku} 价格 {price}</translation>
    </message>
    <message>
        <source>Saving</source>
        <translation>节省</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Search voucher, deal or cashier</source>
        <translation>搜索券号、套餐或收银员</translation>
    </message>
    <message>
        <source>Selected:</source>
        <translation>已选：</translation>
    </message>
    <message>
        <source>Sending a test page…</source>
        <translation>正在发送测试页…</translation>
    </message>
    <message>
        <source>Sending the report to the printer…</source>
        <translation>正在发送报表到打印机…</translation>
    </message>
    <message>
        <source>Serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <source>Service quality &amp;&amp; prices</source>
        <translation>服务质量与价格</translation>
    </message>
    <message>
        <source>Service quality — online and offline side by side</source>
        <translation>服务质量——线上线下对照</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>设置 PIN</translation>
    </message>
    <message>
        <source>Show the voucher QR to the camera</source>
        <translation>请将券码二维码对准摄像头</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Simulated camera (image folder {path})</source>
        <translation>模拟摄像头（图片文件夹 {path}）</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>波特率</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Store address</source>
        <translation>门店地址</translation>
    </message>
    <message>
        <source>Store id</source>
        <translation>门店编号</translation>
    </message>
    <message>
        <source>Store name</source>
        <translation>门店名称</translation>
    </message>
    <message>
        <source>Success rate</source>
        <translation>成功率</translation>
    </message>
    <message>
        <source>Sync every (seconds)</source>
        <translation>同步间隔（秒）</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Sync requested: the status strip shows when it is done.</source>
        <translation>已请求同步：完成后状态栏会显示。</translation>
    </message>
    <message>
        <source>TCP port</source>
        <translation>TCP 端口</translation>
    </message>
    <message>
        <source>Technician</source>
        <translation>技术员</translation>
    </message>
    <message>
        <source>Technician PIN</source>
        <translation>技术员 PIN</translation>
    </message>
    <message>
        <source>Technician — set up and diagnose</source>
        <translation>技术员——设置与诊断</translation>
    </message>
    <message>
        <source>Terminal</source>
        <translation>终端</translation>
    </message>
    <message>
        <source>Terminal id</source>
        <translation>终端编号</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Test page sent (job {job}).</source>
        <translation>测试页已发送（任务 {job}）。</translation>
    </message>
    <message>
        <source>Test page sent.</source>
        <translation>测试页已发送。</translation>
    </message>
    <message>
        <source>Test scan</source>
        <translation>测试扫码</translation>
    </message>
    <message>
        <source>That is not a voucher code: check each character and try again.</source>
        <translation>这不是有效的券码：请逐个字符核对后重试。</translation>
    </message>
    <message>
        <source>The camera works, but no code was read in this picture ({ms} ms). Hold a voucher in front of it and try again.</source>
        <translation>摄像头工作正常，但这张图片里没有读到码（{ms} 毫秒）。请把券码对准摄像头后重试。</translation>
    </message>
    <message>
        <source>The day so far; does not close the day.</source>
        <translation>截至目前的当日数据；不会结账。</translation>
    </message>
    <message>
        <source>The demo's simulated camera is in use; the Camera setting below applies when the kiosk runs without the demo.</source>
        <translation>演示模式正在使用模拟摄像头；下面的摄像头设置在不运行演示时生效。</translation>
    </message>
    <message>
        <source>The kiosk may not write in {path}. Choose another folder, for example the exports folder.</source>
        <translation>终端无权写入 {path}。请选择其他文件夹，例如导出文件夹。</translation>
    </message>
    <message>
        <source>The language of every screen. It changes at once.</source>
        <translation>所有界面的语言，立即生效。</translation>
    </message>
    <message>
        <source>The picture appears here</source>
        <translation>图像显示在这里</translation>
    </message>
    <message>
        <source>The platform answered in {ms} ms.</source>
        <translation>平台在 {ms} 毫秒内作答。</translation>
    </message>
    <message>
        <source>The report was not printed:</source>
        <translation>报表未打印：</translation>
    </message>
    <message>
        <source>The store's own prices</source>
        <translation>本店价格表</translation>
    </message>
    <message>
        <source>The test page was not printed:</source>
        <translation>测试页未打印：</translation>
    </message>
    <message>
        <source>The test scan failed:</source>
        <translation>测试扫码失败：</translation>
    </message>
    <message>
        <source>The translation file is missing; the screens stay in English.</source>
        <translation>缺少翻译文件，界面保持英文。</translation>
    </message>
    <message>
        <source>The two PINs are not the same.</source>
        <translation>两次输入的 PIN 不一致。</translation>
    </message>
    <message>
        <source>The void was not saved:</source>
        <translation>撤销未保存：</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>Timeliness</source>
        <translation>及时性</translation>
    </message>
    <message>
        <source>To review</source>
        <translation>待复核</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Too easy to guess: avoid repeated or consecutive digits.</source>
        <translation>太容易被猜到：请避免重复或连续的数字。</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Sign-in is locked for {s} more seconds.</source>
        <translation>PIN 错误次数过多，登录已锁定，还需 {s} 秒。</translation>
    </message>
    <message>
        <source>Totals and hours</source>
        <translation>合计与时段</translation>
    </message>
    <message>
        <source>Totals of the day by deal and by mode (voided redemptions not counted)</source>
        <translation>当日按套餐和方式合计（不含已撤销）</translation>
    </message>
    <message>
        <source>Type a code</source>
        <translation>手动输入券码</translation>
    </message>
    <message>
        <source>Type the code printed under the QR, then press Enter.</source>
        <translation>请输入二维码下方的券码，然后按回车。</translation>
    </message>
    <message>
        <source>Type the voucher code</source>
        <translation>输入券码</translation>
    </message>
    <message>
        <source>USB drive {name}</source>
        <translation>U 盘 {name}</translation>
    </message>
    <message>
        <source>USB printer: product id in hex, e.g. 0202</source>
        <translation>USB 打印机：十六进制产品 ID，例如 0202</translation>
    </message>
    <message>
        <source>USB printer: vendor id in hex, e.g. 04b8</source>
        <translation>USB 打印机：十六进制厂商 ID，例如 04b8</translation>
    </message>
    <message>
        <source>USB product id</source>
        <translation>USB 产品 ID</translation>
    </message>
    <message>
        <source>USB vendor id</source>
        <translation>USB 厂商 ID</translation>
    </message>
    <message>
        <source>Undo changes</source>
        <translation>撤销修改</translation>
    </message>
    <message>
        <source>Up one folder</source>
        <translation>上一级文件夹</translation>
    </message>
    <message>
        <source>Uploads pending:</source>
        <translation>待上传：</translation>
    </message>
    <message>
        <source>Use this folder</source>
        <translation>使用这个文件夹</translation>
    </message>
    <message>
        <source>Video file</source>
        <translation>视频文件</translation>
    </message>
    <message>
        <source>Video file {path}</source>
        <translation>视频文件 {path}</translation>
    </message>
    <message>
        <source>Videos</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Void reason</source>
        <translation>撤销原因</translation>
    </message>
    <message>
        <source>Void selected</source>
        <translation>撤销所选核销</translation>
    </message>
    <message>
        <source>Voided</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>Voided: the uses were given back. The platform is told at the next sync.</source>
        <translation>已撤销：使用次数已退回。下次同步时通知平台。</translation>
    </message>
    <message>
        <source>Voucher</source>
        <translation>券号</translation>
    </message>
    <message>
        <source>Waiting time (median)</source>
        <translation>等待时间（中位数）</translation>
    </message>
    <message>
        <source>Waiting time (p95)</source>
        <translation>等待时间（p95）</translation>
    </message>
    <message>
        <source>Waiting to upload</source>
        <translation>等待上传</translation>
    </message>
    <message>
        <source>What the platform said</source>
        <translation>平台的答复</translation>
    </message>
    <message>
        <source>When the platform cannot be reached, the terminal decides by itself within these limits. Past a limit the cashier sees "needs online check".</source>
        <translation>无法连接平台时，终端在这些限额内自行判断。超过限额时收银员会看到“需要在线校验”。</translation>
    </message>
    <message>
        <source>Width (pixels)</source>
        <translation>宽度（像素）</translation>
    </message>
    <message>
        <source>Writing the diagnostics bundle…</source>
        <translation>正在写入诊断包…</translation>
    </message>
    <message>
        <source>Wrong PIN. Try again.</source>
        <translation>PIN 错误，请重试。</translation>
    </message>
    <message>
        <source>You can try again now.</source>
        <translation>现在可以重试了。</translation>
    </message>
    <message>
        <source>all offline redemptions awaiting upload, in minor units</source>
        <translation>所有待上传离线核销的总额（分）</translation>
    </message>
    <message>
        <source>base URL of the O2O platform</source>
        <translation>O2O 平台的基础地址</translation>
    </message>
    <message>
        <source>base URL of the feedback QR (empty: platform.url + /feedback/{redemption_id})</source>
        <translation>评价二维码的基础地址（留空：platform.url + /feedback/{redemption_id}）</translation>
    </message>
    <message>
        <source>camera number (0 = first camera), or a folder of images, or a video file</source>
        <translation>摄像头编号（0 为第一个），或图片文件夹，或视频文件</translation>
    </message>
    <message>
        <source>camera {index}: no such device on this computer (/dev/video{index} is missing)</source>
        <translation>摄像头 {index}：本机没有这个设备（缺少 /dev/video{index}）</translation>
    </message>
    <message>
        <source>camera {index}: {name} (/dev/video{index})</source>
        <translation>摄像头 {index}：{name}（/dev/video{index}）</translation>
    </message>
    <message>
        <source>capture frames per second</source>
        <translation>每秒采集帧数</translation>
    </message>
    <message>
        <source>capture height, pixels</source>
        <translation>采集高度（像素）</translation>
    </message>
    <message>
        <source>capture width, pixels</source>
        <translation>采集宽度（像素）</translation>
    </message>
    <message>
        <source>cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>check the platform's TLS certificate</source>
        <translation>校验平台的 TLS 证书</translation>
    </message>
    <message>
        <source>checking…</source>
        <translation>检查中…</translation>
    </message>
    <message>
        <source>conflict</source>
        <translation>冲突</translation>
    </message>
    <message>
        <source>file printer: device or file path (empty: DATA/receipts)</source>
        <translation>文件打印机：设备或文件路径（留空：DATA/receipts）</translation>
    </message>
    <message>
        <source>how the receipt printer is attached (file: receipts saved in DATA/receipts as .bin + .png)</source>
        <translation>小票打印机的连接方式（file：小票以 .bin 和 .png 保存在 DATA/receipts）</translation>
    </message>
    <message>
        <source>intact</source>
        <translation>完整</translation>
    </message>
    <message>
        <source>largest offline redemption, in minor units (fen)</source>
        <translation>单笔离线核销的最大金额（分）</translation>
    </message>
    <message>
        <source>longest wait for an online answer, seconds</source>
        <translation>等待在线答复的最长时间（秒）</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>network printer: TCP port (raw 9100)</source>
        <translation>网络打印机：TCP 端口（raw 9100）</translation>
    </message>
    <message>
        <source>network printer: host name or IP address</source>
        <translation>网络打印机：主机名或 IP 地址</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>none (no camera is set up)</source>
        <translation>无（未设置摄像头）</translation>
    </message>
    <message>
        <source>not a voucher code: {text}</source>
        <translation>不是券码：{text}</translation>
    </message>
    <message>
        <source>not enrolled</source>
        <translation>未注册</translation>
    </message>
    <message>
        <source>not set up</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>offline only this long after a sync</source>
        <translation>同步后最多离线这么久</translation>
    </message>
    <message>
        <source>offline redemptions per upload</source>
        <translation>每次上传的离线核销笔数</translation>
    </message>
    <message>
        <source>oldest cancelled-voucher list</source>
        <translation>作废券清单的最长时效</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>online price above list price</source>
        <translation>线上价格高于门店价</translation>
    </message>
    <message>
        <source>paper width: 58 (32 columns) or 80 (48 columns)</source>
        <translation>纸宽：58（32 列）或 80（48 列）</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>待上传</translation>
    </message>
    <message>
        <source>plain code {code} (checked online only)</source>
        <translation>普通券码 {code}（只能在线校验）</translation>
    </message>
    <message>
        <source>python-escpos printer profile name</source>
        <translation>python-escpos 打印机配置名</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>redeemed a median {margin} before expiry</source>
        <translation>核销时距到期中位数 {margin}</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <source>seconds between sync passes</source>
        <translation>两次同步之间的秒数</translation>
    </message>
    <message>
        <source>serial printer: port, e.g. /dev/ttyUSB0 or COM3</source>
        <translation>串口打印机：端口，例如 /dev/ttyUSB0 或 COM3</translation>
    </message>
    <message>
        <source>serial printer: speed in baud</source>
        <translation>串口打印机：波特率</translation>
    </message>
    <message>
        <source>signed voucher {voucher} — {deal}, {uses} use(s), stores {stores}</source>
        <translation>签名券 {voucher}——{deal}，{uses} 次，门店 {stores}</translation>
    </message>
    <message>
        <source>starting…</source>
        <translation>启动中…</translation>
    </message>
    <message>
        <source>store address printed on receipts</source>
        <translation>打印在小票上的门店地址</translation>
    </message>
    <message>
        <source>store name printed on receipts</source>
        <translation>打印在小票上的门店名称</translation>
    </message>
    <message>
        <source>store this terminal belongs to</source>
        <translation>本终端所属门店</translation>
    </message>
    <message>
        <source>store time zone for receipts and reports</source>
        <translation>小票和报表使用的门店时区</translation>
    </message>
    <message>
        <source>sync failed — see the log</source>
        <translation>同步失败——请查看日志</translation>
    </message>
    <message>
        <source>technician</source>
        <translation>技术员</translation>
    </message>
    <message>
        <source>the platform's list price differs from the store's own price</source>
        <translation>平台门店价与本店价格不一致</translation>
    </message>
    <message>
        <source>the price paid online is above the list price</source>
        <translation>线上支付价高于门店价</translation>
    </message>
    <message>
        <source>the same code seen again within this many seconds counts once</source>
        <translation>同一码在这么多秒内重复出现只算一次</translation>
    </message>
    <message>
        <source>this terminal's id within the store</source>
        <translation>本终端在门店内的编号</translation>
    </message>
    <message>
        <source>type the deal's sku, as on the voucher</source>
        <translation>请输入券上的套餐编号</translation>
    </message>
    <message>
        <source>uploaded</source>
        <translation>已上传</translation>
    </message>
    <message>
        <source>uses left: {n}</source>
        <translation>剩余次数：{n}</translation>
    </message>
    <message>
        <source>void refused</source>
        <translation>撤销被拒</translation>
    </message>
    <message>
        <source>voided</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>{path} is not there any more. Choose another folder.</source>
        <translation>{path} 已不存在。请选择其他文件夹。</translation>
    </message>
</context>
</TS>
