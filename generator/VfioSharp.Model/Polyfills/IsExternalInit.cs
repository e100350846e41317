namespace System.Runtime.CompilerServices
{
    // netstandard2.0 lacks the marker type that init-only setters need.
    internal static class IsExternalInit
    {
    }
}
