#ifndef ENERTRACK_CMARIADB_SHIM_H
#define ENERTRACK_CMARIADB_SHIM_H
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

/* mysql_library_init is a macro; Swift cannot call it. */
static inline int enertrack_mysql_library_init(void) { return mysql_server_init(0, 0, 0); }

/* mysql_options takes a `const void *`; typed wrappers keep Swift free of pointer casts. */
static inline int enertrack_mysql_option_uint(MYSQL *mysql, enum mysql_option option, unsigned int value) {
    return mysql_options(mysql, option, &value);
}
static inline int enertrack_mysql_option_bool(MYSQL *mysql, enum mysql_option option, my_bool value) {
    return mysql_options(mysql, option, &value);
}
static inline int enertrack_mysql_option_string(MYSQL *mysql, enum mysql_option option, const char *value) {
    return mysql_options(mysql, option, value);
}
static inline my_bool enertrack_stmt_update_max_length(MYSQL_STMT *stmt) {
    my_bool on = 1;
    return mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
}
#endif
