using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage(
    "Naming",
    "CA1716:Identifiers should not match keywords",
    Scope = "namespace",
    Target = "~N:VfioSharp.Handles",
    Justification = "The namespace of the fd handle types; VB's Handles clause does not apply to a namespace in a using directive, and the generator targets this name.")]
