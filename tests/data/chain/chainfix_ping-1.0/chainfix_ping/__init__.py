import chainfix_pong

VALUE = "ping"


def partner():
    return chainfix_pong.VALUE
