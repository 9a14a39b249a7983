// swift-tools-version: 6.0
import PackageDescription

/// closelab: a lab for the Windows Sockets 2 SPI close semantics.
///
/// Dependency direction (STYLE.md): WinsockModel ← LabScript ← LabRendering ← LabSession ← closelab.
/// The model, the command language, the renderer and the session are pure Swift with no
/// Foundation and no I/O; only the executable touches files and the terminal.
let package = Package(
    name: "closelab",
    products: [
        .executable(name: "closelab", targets: ["closelab"]),
    ],
    targets: [
        .target(name: "WinsockModel"),
        .target(name: "LabScript", dependencies: ["WinsockModel"]),
        .target(name: "LabRendering", dependencies: ["WinsockModel", "LabScript"]),
        .target(name: "LabSession", dependencies: ["WinsockModel", "LabScript", "LabRendering"]),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .executableTarget(name: "closelab", dependencies: ["LabSession", "CEditLine"]),
        .testTarget(name: "WinsockModelTests", dependencies: ["WinsockModel"]),
        .testTarget(name: "LabScriptTests", dependencies: ["LabScript"]),
        .testTarget(
            name: "LabSessionTests",
            dependencies: ["LabSession"],
            // Scripts and golden transcripts are read through #filePath, not bundled.
            exclude: ["Examples", "Scenarios", "Golden", "Profiles"]
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["closelab"]),
    ],
    swiftLanguageModes: [.v6]
)
