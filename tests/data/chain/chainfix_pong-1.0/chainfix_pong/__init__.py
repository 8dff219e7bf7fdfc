import chainfix_ping

VALUE = "pong"


def partner():
    return chainfix_ping.VALUE
