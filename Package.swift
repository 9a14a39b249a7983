// swift-tools-version: 6.0
import PackageDescription

/// closelab: a lab for the Windows Sockets 2 SPI close semantics.
///
/// Dependency direction (STYLE.md): WinsockModel ← LabScript, LabRendering ← LabSession ← closelab.
/// The model, the command language, the renderer and the session are pure Swift with no
/// Foundation and no I/O; only the executable touches files and the terminal.
///
/// Beside the session, the live backend: LabSession ← LinuxBackend (real sockets on loopback,
/// through the C shim CLinuxTCP), and LabSystem (process-level facilities: the one owner of every
/// signal handler). No Foundation there either.
let package = Package(
    name: "closelab",
    products: [
        .executable(name: "closelab", targets: ["closelab"]),
        // The pure model on its own, for other packages that use it as a test oracle (README.md).
        .library(name: "WinsockModel", targets: ["WinsockModel"]),
    ],
    targets: [
        .target(name: "WinsockModel"),
        .target(name: "LabScript", dependencies: ["WinsockModel"]),
        .target(name: "LabRendering", dependencies: ["WinsockModel"]),
        .target(name: "LabSession", dependencies: ["WinsockModel", "LabScript", "LabRendering"]),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .executableTarget(
            name: "closelab",
            dependencies: ["LabSession", "LabRendering", "LabScript", "LabSystem", "LinuxBackend", "CEditLine"]
        ),
        .target(name: "LabSystem"),
        .target(name: "CLinuxTCP"),
        .target(
            name: "LinuxBackend",
            dependencies: ["WinsockModel", "LabScript", "LabSession", "LabSystem", "CLinuxTCP"]
        ),
        .testTarget(name: "WinsockModelTests", dependencies: ["WinsockModel"]),
        // Differential/ holds the record DifferentialTests reads through #filePath.
        .testTarget(name: "LabScriptTests", dependencies: ["LabScript"], exclude: ["Differential"]),
        .testTarget(
            name: "LabSessionTests",
            dependencies: ["LabSession", "LabSystem"],
            // Scripts and golden transcripts are read through #filePath, not bundled.
            exclude: ["Examples", "Scenarios", "Golden", "Profiles"]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["closelab"]),
        // The executable's own pure parts (completion layout, history file), through @testable import.
        .testTarget(name: "CloselabTests", dependencies: ["closelab", "LabRendering", "CEditLine"]),
        .testTarget(name: "LinuxBackendTests", dependencies: ["LinuxBackend"]),
    ],
    swiftLanguageModes: [.v6]
)
