// libFuzzer's entry point for programs that keep their own main (SwiftPM names an executable's
// main <module>_main), from compiler-rt's FuzzerInterface.h, and the one call each fuzzer makes.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

/// Runs libFuzzer on the program's LLVMFuzzerTestOneInput (each fuzzer defines it with @_cdecl).
int owner_report_run_fuzzer(int argc, char **argv);
