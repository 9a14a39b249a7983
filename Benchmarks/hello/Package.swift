// swift-tools-version: 6.0
// A Swift hello-world built exactly as closelab's release build is, to measure startup against.
import PackageDescription

let package = Package(name: "hello", targets: [.executableTarget(name: "hello")], swiftLanguageModes: [.v6])
