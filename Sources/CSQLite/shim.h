#ifndef OWNER_REPORT_CSQLITE_SHIM_H
#define OWNER_REPORT_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer, which Swift cannot import as a constant.
static inline sqlite3_destructor_type CSQLite_transient(void) { return SQLITE_TRANSIENT; }

// sqlite3_db_config is variadic; this typed wrapper sets one integer-valued option.
static inline int CSQLite_db_config_int(sqlite3 *db, int op, int value, int *result) {
    return sqlite3_db_config(db, op, value, result);
}
#endif
