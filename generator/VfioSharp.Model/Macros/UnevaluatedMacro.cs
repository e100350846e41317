namespace VfioSharp.Model.Macros
{
    /// <summary>An object-like macro that is not a constant (a type, an attribute, a fragment) and why.</summary>
    public sealed record UnevaluatedMacro(string Name, SourceLocation Location, string Reason);
}
