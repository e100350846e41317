namespace VfioSharp.Emitter
{
    /// <summary>How to emit a model's bindings.</summary>
    public sealed class EmitOptions
    {
        /// <summary>Creates options for <paramref name="namespaceName"/>.</summary>
        public EmitOptions(string namespaceName, bool isPublic = true)
        {
            Namespace = namespaceName;
            IsPublic = isPublic;
        }

        /// <summary>The namespace of every generated type (<c>My.Uapi</c>).</summary>
        public string Namespace { get; }

        /// <summary>Whether generated types are public (the runtime's own are) or internal (a driver's, by default).</summary>
        public bool IsPublic { get; }

        /// <summary>The prefix of the hint names: the namespace, so that two models in one project don't collide.</summary>
        public string HintPrefix => Namespace;
    }
}
