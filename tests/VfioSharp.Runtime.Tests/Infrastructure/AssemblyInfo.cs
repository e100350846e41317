using System.Runtime.Versioning;

// The runtime's real kernel is Linux-only, and so are the tests that call it.
[assembly: SupportedOSPlatform("linux")]
