#include "CFuzzer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int owner_report_run_fuzzer(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
