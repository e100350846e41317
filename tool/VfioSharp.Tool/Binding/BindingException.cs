namespace VfioSharp.Tool.Binding;

/// <summary>A bind or unbind that did not happen (or did not leave the device usable), with a message that says why and what to do.</summary>
internal sealed class BindingException(string message) : Exception(message);
