# Sourced by scripts/test-package and scripts/test-container.
# web_login PORT USER PASSWORD METER DIR: logs USER in on http://127.0.0.1:PORT the way a
# browser does (the login page's CSRF token and cookie, then the form with this site's Origin)
# and checks that the dashboard shows METER. Cookies go by hand: they are Secure, which curl
# would not send back over plain HTTP. Prints why and returns 1 when something is off.
web_login() {
  local port=$1 user=$2 password=$3 meter=$4 dir=$5 page csrf status
  cookies() { sed -n 's/^[Ss]et-[Cc]ookie: *\([^;]*\).*/\1/p' "$1" | paste -sd';' -; }
  page=$(curl -sf -D "$dir/login-page.head" "http://127.0.0.1:$port/login") || { echo "GET /login failed"; return 1; }
  csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' <<<"$page" | head -1)
  status=$(curl -s -o /dev/null -D "$dir/login.head" -w '%{http_code}' -H "Cookie: $(cookies "$dir/login-page.head")" \
    -H "Origin: http://127.0.0.1:$port" --data-urlencode "csrf=$csrf" --data-urlencode "username=$user" \
    --data-urlencode "password=$password" "http://127.0.0.1:$port/login")
  [[ "$status" == 303 ]] || { echo "login answered $status, not 303"; return 1; }
  curl -sf -H "Cookie: $(cookies "$dir/login.head")" "http://127.0.0.1:$port/" | grep -q "$meter" \
    || { echo "the dashboard after login does not show $meter"; return 1; }
}
