using System.Runtime.Versioning;

// A payload for a Linux guest: it runs nowhere else.
[assembly: SupportedOSPlatform("linux")]
