namespace VfioSharp.Groups;

/// <summary>The states of a <see cref="VfioGroup"/>.</summary>
public enum GroupState
{
    /// <summary>The group file is open and viable; it is in no container.</summary>
    Open,

    /// <summary>The group is in a container: its devices can be opened.</summary>
    InContainer,

    /// <summary>Disposed.</summary>
    Released,
}
