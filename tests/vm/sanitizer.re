BUG:
WARNING:
UBSAN:
Oops
general protection fault
Kernel panic
kernel BUG at
unreferenced object
suspected memory leak
INFO: task .* blocked for more than
self-detected stall
detected stalls on CPUs
refcount_t:
list_(add|del) corruption
