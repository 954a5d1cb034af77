print("mami-bench: see Tools/mami-bench")
