import EnerTrackCLI
import Foundation

let status = await Enertrack.execute(Array(CommandLine.arguments.dropFirst()), context: .live)
exit(status)
