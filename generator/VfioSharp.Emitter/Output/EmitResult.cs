using System.Collections.Generic;

namespace VfioSharp.Emitter.Output
{
    /// <summary>What one emission produced: files and diagnostics.</summary>
    public sealed class EmitResult
    {
        /// <summary>Creates a result.</summary>
        public EmitResult(IReadOnlyList<GeneratedFile> files, IReadOnlyList<EmitDiagnostic> diagnostics)
        {
            Files = files;
            Diagnostics = diagnostics;
        }

        /// <summary>The generated files, in a fixed order.</summary>
        public IReadOnlyList<GeneratedFile> Files { get; }

        /// <summary>What could not be expressed.</summary>
        public IReadOnlyList<EmitDiagnostic> Diagnostics { get; }
    }
}
