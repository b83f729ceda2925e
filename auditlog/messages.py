"""The verification's findings in words an auditor reads (Chinese, naming the record and the row)."""

from .catalogue import record_kinds


def table_label(table: str) -> str:
    for kind in record_kinds().values():
        if kind.history_model._meta.db_table == table:
            return f"{kind.label}的变更记录"
    return table


def finding_message(problem: str, table: str, row_pk, *, after=None) -> str:
    where = f"{table_label(table)}（表 {table}，第 {row_pk} 条）" if table else ""
    if problem == "altered":
        return f"{where}的内容与登记时的哈希不符：该行已被改动。"
    if problem == "removed":
        return f"{where}已被删除：哈希链登记了它，但变更记录表中已无此行。"
    if problem == "unchained":
        return f"{where}不在哈希链中：它是绕过触发器写入的。"
    if problem == "link":
        before = f"（紧接在 {table_label(after[0])} 第 {after[1]} 条之后）" if after else "（链首）"
        return f"哈希链在{where}处断开{before}：链中此前的登记项已被改动或删除。"
    if problem == "head":
        return "哈希链不再经过审计人员此前记录的链头：链已被改写或截短。"
    return problem
