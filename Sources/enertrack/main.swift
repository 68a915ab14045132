import EnerTrackCLI
import EnerTrackKit
import Foundation

// Tariff files from outside are parsed by a child of this binary (toml++ may abort on some).
TariffFile.parserExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
let status = await Enertrack.execute(Array(CommandLine.arguments.dropFirst()), context: .live)
exit(status)
