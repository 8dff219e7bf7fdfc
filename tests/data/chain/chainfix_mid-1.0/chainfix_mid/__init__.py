import chainfix_base

VALUE = "mid+" + chainfix_base.VALUE
