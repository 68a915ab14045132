/* The system's libcrypto (OpenSSL 3, Debian's libssl-dev): SHA-256 for stored token hashes,
   scrypt and PBKDF2 for Werkzeug password hashes. libcurl already links it, so the binary gains
   no dependency, and the build compiles no second copy of a crypto library. */
#include <openssl/evp.h>
#include <openssl/sha.h>
