#if canImport(Glibc)
    import Glibc
#endif

/// A C library opened with dlopen(3) when first needed rather than linked: libcurl (to send) and libpq
/// (the fleet database). A program that never needs it never maps it, nor the libraries under it.
public struct SharedLibrary: @unchecked Sendable {
    /// Why a library or one of its functions could not be had, in a line naming the Debian package.
    public struct Failure: Error, Sendable {
        public let message: String
    }

    public let soname: String
    private let handle: UnsafeMutableRawPointer

    /// Opens `soname` (`RTLD_NOW | RTLD_LOCAL`); `package` is the Debian package that provides it.
    public init(soname: String, package: String, purpose: String) throws(Failure) {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw Failure(message: "cannot load \(purpose) (Debian's \(package) provides it): \(reason)")
        }
        self.soname = soname
        self.handle = handle
    }

    /// The function `name`, as the C function type `type`.
    public func symbol<T>(_ name: String, as type: T.Type) throws(Failure) -> T {
        guard let address = dlsym(handle, name) else { throw Failure(message: "\(soname) has no \(name)") }
        return unsafeBitCast(address, to: type)
    }
}
