project = "flat"
