raise RuntimeError("exploding: this build backend must not be called")
