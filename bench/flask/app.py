"""The yardstick of bench/serve: /api/v1/nodes as the earlier Flask EnerTrack would serve it.

A Flask app in that deployment's shape (Flask's signed cookie session holding the user id, as
Flask-Login keeps it; a database connection per request in `g`; gunicorn sync workers), reading
the same SQLite directory as `enertrack serve` and
answering the same JSON: the user's active assignments of active meters, each with its status
and last-seen time. It is a benchmark's reference, not a product: run by bench/serve only.

    ENERTRACK_DATA_DIR=... FLASK_SECRET_KEY=... gunicorn --chdir bench/flask app:app
"""

import hashlib
import hmac
import os
import sqlite3
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, abort, g, jsonify, request, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
DATA = os.environ["ENERTRACK_DATA_DIR"]
ZONE = ZoneInfo(os.environ.get("TZ", "UTC"))
INACTIVE_AFTER = 300


def db(name):
    if name not in g:
        connection = sqlite3.connect(f"file:{DATA}/{name}.sqlite?mode=ro", uri=True, timeout=5)
        connection.row_factory = sqlite3.Row
        setattr(g, name, connection)
    return getattr(g, name)


@app.teardown_appcontext
def close(_):
    for name in ("directory",):
        connection = g.pop(name, None)
        if connection is not None:
            connection.close()


def check_password(stored, password):
    """Werkzeug's scrypt:N:r:p$salt$hex (Debian 12's Werkzeug 2.2 predates scrypt)."""
    method, salt, digest = stored.split("$", 2)
    _, n, r, p = method.split(":")
    derived = hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=int(n), r=int(r), p=int(p), maxmem=132 * int(n) * int(r) * 2)
    return hmac.compare_digest(derived.hex(), digest)


@app.post("/login")
def login():
    row = db("directory").execute(
        "SELECT id, password_hash FROM Usuarios WHERE usuario_clave = ? AND activo = 1",
        (request.form.get("username", "").lower(),)).fetchone()
    if row is None or not check_password(row["password_hash"], request.form.get("password", "")):
        abort(401)
    session["user_id"] = row["id"]
    return "", 204


def iso(milliseconds):
    return datetime.fromtimestamp(milliseconds / 1000, ZONE).isoformat(timespec="milliseconds")


@app.get("/api/v1/nodes")
def nodes():
    user_id = session.get("user_id")
    directory = db("directory")
    user = directory.execute(
        "SELECT id FROM Usuarios WHERE id = ? AND activo = 1", (user_id,)).fetchone() if user_id else None
    if user is None:
        return jsonify(error="not logged in"), 401
    rows = directory.execute(
        """SELECT n.esp_id, n.nombre, n.activo, n.ultima_conexion, un.ubicacion
           FROM UsuariosNodos un JOIN Nodos n ON n.id = un.nodo_id
           WHERE un.usuario_id = ? AND un.activo = 1 AND n.activo = 1 ORDER BY n.esp_id""",
        (user_id,)).fetchall()
    now = time.time()
    answer = []
    for row in rows:
        seen = row["ultima_conexion"]
        seen_at = datetime.fromisoformat(seen).replace(tzinfo=timezone.utc).timestamp() if seen else None
        status = "no_data" if seen_at is None else ("active" if now - seen_at <= INACTIVE_AFTER else "inactive")
        item = {
            "esp_id": row["esp_id"], "name": row["nombre"], "location": row["ubicacion"], "status": status,
            "last_seen": iso(seen_at * 1000) if seen_at is not None else None,
        }
        answer.append(item)
    return jsonify(answer)
