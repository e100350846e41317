namespace VfioSharp.Emitter.Output
{
    /// <summary>The IDs of the emitter's diagnostics (documented in generator/GENERATED.md).</summary>
    public static class EmitDiagnosticIds
    {
        /// <summary>The model file can't be read: broken JSON or another schema version.</summary>
        public const string UnreadableModel = "VFIOGEN001";

        /// <summary>A record or field the emitter can't express in C#; it is left out.</summary>
        public const string Unexpressible = "VFIOGEN002";

        /// <summary>Two generated names collide; the later one is renamed.</summary>
        public const string NameCollision = "VFIOGEN003";

        /// <summary>An ioctl whose argument the model leaves undetermined: only its request constant is emitted.</summary>
        public const string UntypedIoctl = "VFIOGEN004";

        /// <summary>The generator's options are invalid (e.g. no namespace).</summary>
        public const string InvalidOptions = "VFIOGEN005";
    }
}
