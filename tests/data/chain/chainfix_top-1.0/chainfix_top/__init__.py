"""The top of the fixture chain: imports everything its requirements promise."""
import platform

import chainfix_fancy
import chainfix_mid
import chainfix_ping

from chainfix_top.built_by import BACKEND

if platform.python_implementation() == "CPython":
    import chainfix_cpy

    CPY = chainfix_cpy.VALUE
else:
    CPY = None

VALUE = (chainfix_mid.VALUE, chainfix_fancy.VALUE, chainfix_ping.partner(), CPY, BACKEND)
