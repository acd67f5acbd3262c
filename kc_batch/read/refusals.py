"""The Chinese sentences for a file that is not read (SPEC §10.1, §10.3, §13.17): each names the file and
says what to do; `refuse` builds the UnreadableFile, with the sheet and cell when one of them is the cause."""
from __future__ import annotations

from kc_batch.errors import UnreadableFile

RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx，再重新放入 inbox"
MESSAGES = {
    "vanished": "文件 {rel} 在读取前已被移走或删除，已跳过；如仍需导入，请重新放入 inbox。",
    "locked": "文件 {rel} 无法打开（可能正被其他程序占用或没有读取权限），已跳过；请关闭正在使用它的 Excel/WPS 后重新运行。",
    "os_error": "文件 {rel} 无法读取（{detail}），已跳过；请检查文件后重新放入 inbox。",
    "empty": "文件 {rel} 是空文件（0 字节），已跳过；请重新导出后放入 inbox。",
    "too_big": "文件 {rel} 大小为 {size_mb:.1f} MB，超过上限 {limit_mb:g} MB，已拒绝读取；请删去无关内容后重新放入 inbox，或在 kc.toml 的 [limits] 中调高 max_file_mb。",
    "not_spreadsheet": "文件 {rel} 不是电子表格（只支持 .xlsx、.xls、.ods、.csv），已跳过；" + RESAVE + "。",
    "word_or_ppt": "文件 {rel} 是 Word/PowerPoint 文档，不是电子表格，已跳过；请把表格复制到 Excel 或 WPS 表格中另存为 .xlsx，再重新放入 inbox。",
    "html_xls": "文件 {rel} 实际是网页（HTML/XML）格式，不是真正的 Excel 文件，已跳过；" + RESAVE + "。",
    "corrupt": "文件 {rel} 已损坏，无法作为电子表格打开，已跳过；" + RESAVE + "。",
    "password": "文件 {rel} 有密码保护，无法读取，已跳过；请在 Excel 或 WPS 中去掉打开密码后另存为 .xlsx，再重新放入 inbox。",
    "zip_too_large": "文件 {rel} 解压后有 {size_mb:.0f} MB，超过上限 {limit_mb:g} MB（疑似压缩炸弹），已拒绝读取；请检查文件来源，或在 kc.toml 的 [limits] 中调高 max_uncompressed_mb。",
    "zip_ratio": "文件 {rel} 的压缩比异常（{ratio:.0f} 倍，疑似压缩炸弹），已拒绝读取；请检查文件来源，" + RESAVE + "。",
    "zip_overlap": "文件 {rel} 的压缩包结构异常（成员互相重叠，疑似压缩炸弹），已拒绝读取；请检查文件来源，" + RESAVE + "。",
    "xml_entity": "文件 {rel} 含有 XML 实体声明（DOCTYPE/ENTITY，可能是恶意构造的文件），已拒绝读取；请检查文件来源，" + RESAVE + "。",
    "too_many_rows": "文件 {rel} 的工作表“{sheet}”有 {rows} 行，超过上限 {limit} 行，已拒绝读取；请删去无关行后重新放入 inbox，或在 kc.toml 的 [limits] 中调高 max_rows。",
    "bad_text": "文件 {rel} 的文字编码无法识别（不是 UTF-8 或 GBK），已跳过；" + RESAVE + "。",
    "too_many_cells": "文件 {rel} 的工作表“{sheet}”的内容从 A1 延伸到 {far}，共 {rows} 行 × {cols} 列 = {cells} 个单元格，"
                      "超过上限 {limit} 个，已拒绝读取；请删除远处无关的内容（或把有用的部分复制到新文件）后重新放入 inbox，"
                      "或在 kc.toml 的 [limits] 中调高 max_cells_per_sheet。",
    "file_too_many_cells": "文件 {rel} 的工作表共有 {cells} 个以上有内容的单元格，超过每个文件 {limit} 个的上限，已拒绝读取；"
                           "请删去无关的工作表或拆成几个文件后重新放入 inbox，或在 kc.toml 的 [limits] 中调高 max_cells_per_file。",
    "reader_memory": "文件 {rel} 读取时所需内存超过上限 {limit_mb:g} MB，已停止读取并跳过；请检查文件中是否有远处无关的内容"
                     "（可把有用的部分复制到新文件），或在 kc.toml 的 [limits] 中调高 max_reader_mb。",
    "reader_timeout": "文件 {rel} 读取超过 {seconds:g} 秒仍未完成，已停止读取并跳过；请检查文件是否过大或含大量无关内容，"
                      "或在 kc.toml 的 [limits] 中调高 max_read_seconds。",
    "reader_crash": "文件 {rel} 读取时读取程序异常退出（可能所需内存超过上限 {limit_mb:g} MB 或文件结构异常），已跳过；" + RESAVE + "。",
}


def refuse(key: str, rel: str, sheet: str = "", column: str = "", **kw) -> UnreadableFile:
    return UnreadableFile(MESSAGES[key].format(rel=rel, sheet=sheet, **kw), sheet=sheet, column=column)


