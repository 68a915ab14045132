// bench/decode for a revision without `Devices/` (no MessageRouter): no router forms.
func routerForms(now: Int64) -> [(name: String, run: (Int) -> Int)] { [] }
