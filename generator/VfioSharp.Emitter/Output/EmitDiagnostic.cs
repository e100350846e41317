using VfioSharp.Model;

namespace VfioSharp.Emitter.Output
{
    /// <summary>
    /// Something in the model the emitter can't express, with a stable ID and the header:line it came
    /// from. The generator turns it into a compiler diagnostic; the CLI prints it.
    /// </summary>
    public sealed class EmitDiagnostic
    {
        /// <summary>Creates a diagnostic.</summary>
        public EmitDiagnostic(string id, bool isError, SourceLocation location, string message)
        {
            Id = id;
            IsError = isError;
            Location = location;
            Message = message;
        }

        /// <summary>The ID (<c>VFIOGEN001</c>...; see <see cref="EmitDiagnosticIds"/>).</summary>
        public string Id { get; }

        /// <summary>Whether the bindings are incomplete because of it (otherwise a warning).</summary>
        public bool IsError { get; }

        /// <summary>The header and line the problem comes from.</summary>
        public SourceLocation Location { get; }

        /// <summary>What is wrong and what was done about it.</summary>
        public string Message { get; }

        /// <inheritdoc />
        public override string ToString() => Location + ": " + (IsError ? "error " : "warning ") + Id + ": " + Message;
    }
}
