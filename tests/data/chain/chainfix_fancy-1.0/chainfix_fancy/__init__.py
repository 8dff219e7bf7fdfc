import chainfix_base

VALUE = "fancy+" + chainfix_base.VALUE
