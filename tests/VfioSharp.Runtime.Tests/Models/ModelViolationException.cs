namespace VfioSharp.Runtime.Tests.Models;

/// <summary>The runtime, the kernel and the model disagreed.</summary>
public sealed class ModelViolationException(string message) : Exception(message)
{
    public ModelViolationException()
        : this("the runtime, the kernel and the model disagree")
    {
    }

    public ModelViolationException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}
