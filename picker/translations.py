"""The zh_CN catalog. Keys are the English source strings; a test checks every one is here."""

from __future__ import annotations

CORE: dict[str, str] = {
    # command line
    "error: {message}": "错误：{message}",
    "Demo warehouse {path}: {committees} committees, {products} products, "
    "{operators} operators, {orders} orders worth {amount}.": "演示仓库 {path}：{committees} 个居委，"
    "{products} 种商品，{operators} 名员工，{orders} 笔订单，共 {amount}。",
    "Bank export written to {path} ({rows} rows).": "银行导出文件已写入 {path}（{rows} 行）。",
    "Sign in with operator/PIN, e.g. {sample}": "登录用 工号/密码，例如 {sample}",
    "{path} already holds a warehouse ({orders} orders); use a new --db file for the demo": (
        "{path} 已有仓库数据（{orders} 笔订单）；演示请用新的 --db 文件"
    ),
    "Subdistrict": "街道",
    "Committee": "居委",
    "Orders": "订单",
    "Lines": "行数",
    "Amount": "金额",
    "Refunded": "已退款",
    "Rejects": "拒收",
    "Total": "合计",
    "would add": "将新增",
    "added": "新增",
    "{source}: {rows} rows, {verb} {added} orders ({amount}), "
    "{duplicates} already imported, {rejected} rejected.": "{source}：{rows} 行，{verb} {added} 笔订单"
    "（{amount}），{duplicates} 笔已导入过，{rejected} 笔拒收。",
    "{source}: this file was imported before ({when}); nothing added.": (
        "{source}：此文件已于 {when} 导入过；未新增任何订单。"
    ),
    "cannot read {path}: {error}": "无法读取 {path}：{error}",
    "config file {path} does not exist": "配置文件 {path} 不存在",
    "config file {path} is not valid TOML: {error}": "配置文件 {path} 不是有效的 TOML：{error}",
    "config file {path}: unknown import column {name}": "配置文件 {path}：未知的导入字段 {name}",
    # import: files
    "{source}: expected a list of orders": "{source}：应为订单列表",
    "{source}: not UTF-8 or GBK text (byte {pos})": "{source}：不是 UTF-8 或 GBK 文本（第 {pos} 字节）",
    "{source}: not valid JSON: {error}": "{source}：不是有效的 JSON：{error}",
    # import: reject reasons
    "the header has no column for {field}": "表头缺少“{field}”列",
    "{field} is empty": "{field}为空",
    "the row has {found} fields where the header has {expected}": "该行有 {found} 列，表头有 {expected} 列",
    "paid time {value!r} is not a date and time": "支付时间 {value!r} 不是有效的日期时间",
    "order amount {value!r} is not an amount in yuan": "订单金额 {value!r} 不是有效的金额",
    "unit price {value!r} is not an amount in yuan": "单价 {value!r} 不是有效的金额",
    "quantity {value!r} is not a whole number above 0": "数量 {value!r} 不是大于 0 的整数",
    "phone {value!r} is not an 11-digit mobile number": "手机号 {value!r} 不是 11 位手机号码",
    "payment status {value!r} is not one of 已支付, 已退款, 已取消": (
        "支付状态 {value!r} 不是 已支付、已退款、已取消 之一"
    ),
    "unknown product {value!r}": "未知商品 {value!r}",
    "unknown committee {value!r}": "未知居委 {value!r}",
    "unknown payment code {value!r}": "未知收款码 {value!r}",
    "order amount {amount} is not the sum of its lines {total}": "订单金额 {amount} 与明细合计 {total} 不符",
    "{fields} differ from the order's row at line {first}": "{fields}与本订单第 {first} 行不一致",
    "order {order_no} is rejected whole: line {line} is invalid": "订单 {order_no} 整单拒收：第 {line} 行有误",
    "not valid JSON: {error}": "不是有效的 JSON：{error}",
    "not an order object: {error}": "不是订单对象：{error}",
    "order {order_no} was imported before with other content; not overwritten": (
        "订单 {order_no} 已导入过且内容不同；未覆盖"
    ),
    "order {order_no} appears twice in the file (first at line {first})": (
        "订单 {order_no} 在文件中重复出现（首次在第 {first} 行）"
    ),
    # import: field names
    "order number": "订单号",
    "paid time": "支付时间",
    "order amount": "订单金额",
    "payment code": "收款码",
    "committee": "居委",
    "community": "小区",
    "building": "楼号",
    "unit": "单元",
    "room": "室号",
    "recipient": "收货人",
    "phone": "手机号",
    "product code": "商品编码",
    "product name": "商品名称",
    "quantity": "数量",
    "unit price": "单价",
    "note": "备注",
    "payment status": "支付状态",
    "order lines": "订单明细",
    # scanning: reject reasons
    "nothing was read: scan again": "没有读到条码：请重扫",
    "unknown code {code}: not a product, badge, bag or manifest": "未知条码 {code}：不是商品、工牌、袋标签或交接清单",
    "misread {kind} {code}: wrong check digit, scan it again": "{kind} {code} 读错：校验位不对，请重扫",
    "bad quantity {value}: type 1 to {max}, then *, then scan": "数量 {value} 有误：先输入 1 到 {max}，再按 *，然后扫码",
    "a typed quantity ({qty}×) goes only with a product barcode, not a {kind}": "输入的数量（{qty}×）只能用于商品条码，不能用于{kind}",
    "{product} is sold by weight: scan its scale label, not the product barcode": "{product}按重量销售：请扫秤签，不要扫商品条码",
    "weighed label for a unit product: {product} is sold by the piece, scan its barcode": "称重标签用于计件商品：{product}按件销售，请扫商品条码",
    "scale label {code}: PLU {plu} is not in the catalog": "秤签 {code}：商品库中没有 PLU {plu}",
    "in-store code {code}: no scale label layout is set up for prefix {prefix}": "店内码 {code}：前缀 {prefix} 没有设置秤签格式",
    "label {code} shows no weight or amount: weigh it again": "标签 {code} 没有重量或金额：请重新称重",
    "GS1 label {code} has no GTIN (01)": "GS1 标签 {code} 没有 GTIN (01)",
    "GS1 label: GTIN {gtin} is not in the catalog": "GS1 标签：商品库中没有 GTIN {gtin}",
    "GS1 label {code}: unknown AI ({ai})": "GS1 标签 {code}：未知的 AI ({ai})",
    "GS1 label {code}: AI ({ai}) has a bad value {value}": "GS1 标签 {code}：AI ({ai}) 的值 {value} 有误",
    "unreadable GS1 label {code}": "无法识别的 GS1 标签 {code}",
    "manifest {code} is for unknown committee {committee}": "交接清单 {code} 属于未知居委 {committee}",
    # scanning: kinds of code ("scale label" is above)
    "GS1 label GTIN": "GS1 标签 GTIN",
    "operator badge": "工牌",
    "command code": "命令码",
    "weighed label": "称重标签",
    "bag label": "袋标签",
    "manifest code": "交接清单码",
    # scanning: catalog problems
    "{sku}: barcode {code} has a wrong check digit": "{sku}：条码 {code} 校验位不对",
    "{sku}: barcode {code} has pack quantity {qty}": "{sku}：条码 {code} 的包装数量为 {qty}",
    "barcode {code} is on both {sku} and {other}": "条码 {code} 同时属于 {sku} 和 {other}",
    "PLU {plu} is on both {sku} and {other}": "PLU {plu} 同时属于 {sku} 和 {other}",
    "badge {badge} is not unique": "工牌 {badge} 不唯一",
    "scale layouts {name} and {other} both claim prefix {prefix}": "秤签格式 {name} 和 {other} 都使用前缀 {prefix}",
    "the catalog cannot be scanned: {problems}": "商品库无法用于扫码：{problems}",
    # batches and claims
    "Planned {batches} batches for {orders} orders.": "已为 {orders} 笔订单生成 {batches} 个拣货批次。",
    "Batch": "批次",
    "Status": "状态",
    "Picked": "已拣",
    "Holder": "领取人",
    "Claimed {batch}.": "已领取批次 {batch}。",
    "Resumed {batch}.": "继续拣货批次 {batch}。",
    "Released {batch}.": "已释放批次 {batch}。",
    "{batch} is now held by {holder}.": "批次 {batch} 现由 {holder} 负责。",
    "Order {order_no} is {status}; {amount} to refund.": "订单 {order_no} 已{status}；应退 {amount}。",
    "config file {path}: {error}": "配置文件 {path}：{error}",
    "unknown operator {code}": "未知员工 {code}",
    "no batch {batch}": "没有批次 {batch}",
    "no order {order_no}": "没有订单 {order_no}",
    "only a shift lead can take over a batch; {code} is not one": "只有班长可以接管批次；{code} 不是班长",
    "an order can only be cancelled or refunded": "订单只能取消或退款",
    "batch {batch} is held by {holder} on terminal {terminal} since {since}": "批次 {batch} 已被 {holder} 在终端 {terminal} 于 {since} 领取",
    "batch {batch} is {status}: nothing to claim": "批次 {batch} {status}：无法领取",
    "batch {batch} is not held by {operator}": "批次 {batch} 不在 {operator} 手上",
    "order {order_no} is already {status}": "订单 {order_no} 已经{status}",
    "draft": "草稿",
    "released": "待领取",
    "claimed": "已领取",
    "picking": "拣货中",
    "picked": "已拣完",
    "packed": "已打包",
    "closed": "已完结",
    "paid": "已支付",
    "cancelled": "取消",
    "refunded": "退款",
    "pick": "拣货",
    "pack": "打包",
    "badge": "工牌",
    "command": "指令",
    "product": "商品",
    "scale label": "秤签",
    "bag": "袋",
    "manifest": "交接单",
    # scanning sessions
    "{product} is not on this batch's pick list": "{product} 不在本批次拣货单上",
    "{product} is already complete ({needed})": "{product} 已拣够（{needed}）",
    "too many {product}: {needed} needed, {done} done, this scan adds {qty}": "{product} 多了：需要 {needed}，已有 {done}，本次又加 {qty}",
    "batch {batch} is held by {holder}, not by you": "批次 {batch} 在 {holder} 手上，不是你",
    "batch {batch} is {status}: {stage} is not possible now": "批次 {batch} {status}：现在不能{stage}",
    "a {kind} code does nothing while you {stage}": "{stage}时扫 {kind} 码无效",
    "nothing to undo": "没有可撤销的扫描",
    "bag {bag} is already closed: ask the shift lead": "袋 {bag} 已封袋：请找班长",
    "every line is done": "所有行都已完成",
    "{product} is not in the order of {household}": "{household} 的订单里没有 {product}",
    "order {order_no} was cancelled: do not pack it": "订单 {order_no} 已取消：不要打包",
    "too many {product} for {household}: {remaining} left to pack": "{household} 的 {product} 多了：只剩 {remaining} 待装",
    "{product} is sold by weight: scan its scale label": "{product} 按重量卖：请扫电子秤标签",
    "{command} does nothing while you {stage}": "{stage}时 {command} 无效",
    "that scan settled a refund: ask the shift lead": "该扫描已产生退款：请找班长",
    # shortage reasons
    "out of stock": "缺货",
    "damaged": "破损",
    "not found": "找不到",
    "quality problem": "质量问题",
}

SCREENS: dict[str, str] = {
    # app
    "Help": "帮助",
    "Show the keys of this screen": "显示本屏的按键",
    "Quit": "退出",
    "Quit picker": "退出 picker",
    "Commands": "命令",
    "Search the commands of this screen": "搜索本屏的命令",
    "Search for commands…": "搜索命令…",
    "Theme": "主题",
    "Change the colour theme": "更换配色主题",
    "Keys": "按键",
    "Close": "关闭",
    "Esc closes": "Esc 关闭",
    # orders screen
    "Pending rejects": "待处理拒收",
    "by subdistrict and committee": "按街道、居委",
    "by orders, most first": "按订单数，多的在前",
    "by amount, highest first": "按金额，高的在前",
    "Refresh": "刷新",
    "Read the orders again now": "立即重新读取订单",
    "Filter": "筛选",
    "Filter the committees by name": "按名称筛选居委",
    "Clear filter": "清除筛选",
    "List the pending import rejects": "列出待处理的导入拒收",
    "Sort": "排序",
    "Next sort order": "换一种排序",
    "Committee:": "居委：",
    "type to filter, Esc clears": "输入即筛选，Esc 清除",
    "Loading…": "读取中…",
    "Cannot read the warehouse: {error}": "无法读取仓库数据：{error}",
    "{orders} orders · {amount} · {active}/{committees} committees with orders"
    " · {rejects} rejects pending": (
        "{orders} 单 · {amount} · {active}/{committees} 个居委有单 · 待处理拒收 {rejects}"
    ),
    "{shown}/{total} shown": "显示 {shown}/{total}",
    "Pending import rejects ({count})": "待处理的导入拒收（{count}）",
    "No pending import rejects.": "没有待处理的导入拒收。",
}

# Printing: printers, renderers and the test page.
PRINTERS: dict[str, str] = {}

# Printing: documents, the print queue and their commands.
PAPER: dict[str, str] = {}

# The scan input, pick and pack screens.
PICK_SCREENS: dict[str, str] = {}

# Sign-in, home, the lead's dashboard, the print queue screen, serve.
FLOW_SCREENS: dict[str, str] = {}

# Routes, loading and proof of delivery.
DISPATCH: dict[str, str] = {}

# Settlement, the audit and the KPIs.
ACCOUNTS: dict[str, str] = {}

# The payment platform's feed and the watch folder.
FEED: dict[str, str] = {}

ZH_CN: dict[str, str] = {
    **CORE,
    **SCREENS,
    **PRINTERS,
    **PAPER,
    **PICK_SCREENS,
    **FLOW_SCREENS,
    **DISPATCH,
    **ACCOUNTS,
    **FEED,
}
