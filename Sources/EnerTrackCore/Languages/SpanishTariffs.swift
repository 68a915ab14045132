/// Spanish: the messages about a tariff or price file (`TariffError`'s templates) and the words
/// their arguments may be, by their English form; `Spanish.texts` holds every other text.
enum SpanishTariffs {
    static let texts: [String: String] = [
        "\"es-national\" or an array of dates": "\"es-national\" o una lista de fechas",
        "a boolean": "un booleano",
        "a date": "una fecha",
        "a date like 2025-01-01": "una fecha como 2025-01-01",
        "a number": "un número",
        "a string": "un texto",
        "a table": "una tabla",
        "a table by period": "una tabla por periodo",
        "an array": "una lista",
        "an array of months 1 to 12": "una lista de meses del 1 al 12",
        "an array of strings": "una lista de textos",
        "an array of { name, percent, on }": "una lista de { name, percent, on }",
        "an integer": "un entero",
        "power periods": "periodos de potencia",
        "at most {0} versions, not {1}": "como mucho {0} versiones, no {1}",
        "{0}.export_series '{1}' is not a tariff name": "{0}.export_series '{1}' no es un nombre de tarifa",
        "{0} gives both export = and export_series =: give one": "{0} da a la vez export = y export_series =: da uno",
        "{0}.export_cap is '{1}': it is \"energy\" (compensation up to the energy term) or \"none\"":
            "{0}.export_cap es '{1}': es \"energy\" (compensación hasta el término de energía) o \"none\"",
        "cannot start the tariff parser {0}: {1}": "no se puede iniciar el analizador de tarifas {0}: {1}",
        "currency '{0}' is not an ISO 4217 code like EUR": "la moneda '{0}' no es un código ISO 4217 como EUR",
        "dates or calendar names": "fechas o nombres de calendario",
        "line {0}: '{1}' is not a price": "línea {0}: '{1}' no es un precio",
        "line {0}: expected time,price; found {1} field": "línea {0}: se esperaba hora,precio; hay {1} campo(s)",
        "line {0}: {1} is not on a quarter hour": "línea {0}: {1} no cae en un cuarto de hora",
        "line {0}: {1} is out of range ({2})": "línea {0}: {1} está fuera de rango ({2})",
        "more than {0} prices in one file": "más de {0} precios en un solo archivo",
        "true or false": "true o false",
        "{0} ({1}) needs days and hours, or default = true": "{0} ({1}) necesita días y horas, o default = true",
        "{0} contains a NUL byte: not a text file": "{0} contiene un byte NUL: no es un archivo de texto",
        "{0} is missing": "falta {0}",
        "{0} is not a finite number": "{0} no es un número finito",
        "{0} is over {1} KiB": "{0} ocupa más de {1} KiB",
        "{0} is {1}: expected a number": "{0} es {1}: se esperaba un número",
        "{0} is {1}: expected { name, percent, on }": "{0} es {1}: se esperaba { name, percent, on }",
        "{0} is {1}: expected {2}": "{0} es {1}: se esperaba {2}",
        "{0} {1} cannot be negative": "{0} {1} no puede ser negativo",
        "{0} {1} is not a date from 2000 to 2199": "{0} {1} no es una fecha entre 2000 y 2199",
        "{0} {1} is out of range (±{2})": "{0} {1} está fuera de rango (±{2})",
        "{0}.contracted_kw.{1} cannot be negative": "{0}.contracted_kw.{1} no puede ser negativo",
        "{0}.days: '{1}' is not a day ({2})": "{0}.days: '{1}' no es un día ({2})",
        "{0}.energy has no price for period {1}": "{0}.energy no tiene precio para el periodo {1}",
        "{0}.percent is missing": "falta {0}.percent",
        "{0}.percent {1} is over 100": "{0}.percent {1} es mayor que 100",
        "{0}.power_periods '{1}' is not a preset ({2})": "{0}.power_periods '{1}' no es un esquema predefinido ({2})",
        "{0}.{1}: no such {2} ({3})": "{0}.{1}: no está entre los {2} ({3})",
        "{0}: a second tax named {1}": "{0}: un segundo impuesto llamado {1}",
        "{0}: at most {1} entries": "{0}: como mucho {1} elementos",
        "{0}: at most {1} taxes": "{0}: como mucho {1} impuestos",
        "{0}: give 1 to {1} [[version.period]] tables": "{0}: da de 1 a {1} tablas [[version.period]]",
        "{0}: give months as numbers 1 to 12": "{0}: da los meses como números del 1 al 12",
        "{0}: line {1}, column {2}: {3}": "{0}: línea {1}, columna {2}: {3}",
        "{0}: line {1}: {2}": "{0}: línea {1}: {2}",
        "{0}: the TOML parser failed": "{0}: el analizador TOML falló",
        "{0}: unknown key": "{0}: clave desconocida",
        "{0}: {1}": "{0}: {1}",
        "{0}: {1} is not a date from 2000 to 2199": "{0}: {1} no es una fecha entre 2000 y 2199",
        "a table header needs a name, like [[version]] or [[version.period]]":
            "una cabecera de tabla necesita un nombre, como [[version]] o [[version.period]]",
        "internal error: tariff {0} does not survive being written back":
            "error interno: la tarifa {0} no se conserva al volver a escribirla",
        "line {0}: '{1}' is not a time like 2026-03-01T00:00:00+01:00":
            "línea {0}: '{1}' no es una hora como 2026-03-01T00:00:00+01:00",
        "line {0}: a second price for {1} (line {2} has one)":
            "línea {0}: un segundo precio para {1} (la línea {2} ya tiene uno)",
        "line {0}: hourly prices must all start on the same minute of the hour":
            "línea {0}: los precios horarios deben empezar todos en el mismo minuto de la hora",
        "line {0}: price {1} per kWh is out of range (±{2})":
            "línea {0}: el precio {1} por kWh está fuera de rango (±{2})",
        "name '{0}' must be 1 to {1} letters, digits, '-', '_' or '.', starting with a letter or digit":
            "el nombre '{0}' debe tener de 1 a {1} letras, dígitos, '-', '_' o '.', y empezar por una letra o un dígito",
        "no tariff named '{0}' (tariff list shows them; tariff import FILE adds one)":
            "no hay ninguna tarifa llamada '{0}'",
        "non-ASCII characters may only be in strings and comments":
            "los caracteres no ASCII solo pueden ir en textos y comentarios",
        "prices must be one per hour or per 15 minutes; the smallest step in the file is {0} minutes":
            "debe haber un precio por hora o por cada 15 minutos; el paso más corto del archivo es de {0} minutos",
        "tariff '{0}' is assigned {1} time(s): assign another tariff or remove those assignments first (tariff assignments)":
            "la tarifa '{0}' está asignada {1} vez/veces: asigna otra tarifa o quita antes esas asignaciones",
        "tariff {0} has no version with energy = \"series\": its prices come from its file, not from a price series":
            "la tarifa {0} no tiene ninguna versión con energy = \"series\": sus precios vienen de su archivo, no de una serie de precios",
        "version[{0}].from {1}: another version starts that day too ({2})":
            "version[{0}].from {1}: otra versión empieza también ese día ({2})",
        "{0} '{1}' is not a date like 2025-01-01 (2000 to 2199)":
            "{0} '{1}' no es una fecha como 2025-01-01 (de 2000 a 2199)",
        "{0} gives both periods = and [[version.period]] tables: give one":
            "{0} da a la vez periods = y tablas [[version.period]]: da solo una de las dos",
        "{0} is missing: the local date the version starts, like 2025-01-01":
            "falta {0}: la fecha local en que empieza la versión, como 2025-01-01",
        "{0} needs at least one day and 1 to {1} hour ranges":
            "{0} necesita al menos un día y de 1 a {1} franjas horarias",
        "{0} needs periods = \"es-2.0TD\" or \"flat\", or [[version.period]] tables":
            "{0} necesita periods = \"es-2.0TD\" o \"flat\", o tablas [[version.period]]",
        "{0}.energy is missing: a table of prices per kWh by period, or \"series\"":
            "falta {0}.energy: una tabla de precios por kWh por periodo, o \"series\"",
        "{0}.energy is {1}: give a table of prices by period, or \"series\"":
            "{0}.energy es {1}: da una tabla de precios por periodo, o \"series\"",
        "{0}.energy.{1}: no such period (the periods are {2})":
            "{0}.energy.{1}: ese periodo no existe (los periodos son {2})",
        "{0}.hours: '{1}' is not a range like 10:00-14:00 on quarter hours (00:00 to 24:00)":
            "{0}.hours: '{1}' no es una franja como 10:00-14:00 en cuartos de hora (de 00:00 a 24:00)",
        "{0}.name '{1}' must be 1 to 32 letters, digits, '-' or '_'":
            "{0}.name '{1}' debe tener de 1 a 32 letras, dígitos, '-' o '_'",
        "{0}.name '{1}' must be 1 to 32 letters, digits, '-' or '_', and not a part's name":
            "{0}.name '{1}' debe tener de 1 a 32 letras, dígitos, '-' o '_', y no ser el nombre de una parte",
        "{0}.on is missing: the parts it applies to (energy, power, fixed, earlier taxes)":
            "falta {0}.on: las partes a las que se aplica (energy, power, fixed, impuestos anteriores)",
        "{0}.on: '{1}' is neither a part (energy, power, fixed) nor an earlier tax":
            "{0}.on: '{1}' no es ni una parte (energy, power, fixed) ni un impuesto anterior",
        "{0}.periods '{1}' is not a preset ({2}); or give [[version.period]] tables":
            "{0}.periods '{1}' no es un esquema predefinido ({2}); o da tablas [[version.period]]",
        "{0}.power needs power_periods = \"es-2.0TD\" or \"flat\"":
            "{0}.power necesita power_periods = \"es-2.0TD\" o \"flat\"",
        "{0}: '{1}' is neither a date like 2026-03-19 nor a calendar ({2})":
            "{0}: '{1}' no es ni una fecha como 2026-03-19 ni un calendario ({2})",
        "{0}: exactly one period needs default = true (it takes every hour no rule claims, and holidays); {1} do":
            "{0}: exactamente un periodo debe tener default = true (se queda con las horas que ninguna regla reclama, y los festivos); lo tienen {1}",
        "{0}: power period {1} needs both power.{2} and contracted_kw.{3}":
            "{0}: el periodo de potencia {1} necesita power.{2} y contracted_kw.{3}",
        "{0}: the TOML parser answered what cannot be read: {1}":
            "{0}: el analizador TOML respondió algo ilegible: {1}",
        "{0}: the TOML parser stopped on this file (signal {1}) without saying where: it is malformed, or needs more than {2} MiB or {3} s; check what changed last":
            "{0}: el analizador TOML se detuvo con este archivo (señal {1}) sin decir dónde: está mal formado, o necesita más de {2} MiB o {3} s; revisa lo último que cambió",
        "{0}: the TOML parser's answer is over {1} MiB: the file is too large":
            "{0}: la respuesta del analizador TOML ocupa más de {1} MiB: el archivo es demasiado grande",
    ]
}
