// Only the declaration in include/CFuzzer.h; libFuzzer itself comes with -sanitize=fuzzer.
