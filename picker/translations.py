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

ZH_CN: dict[str, str] = {**CORE, **SCREENS}
