namespace VfioSharp.Model.Records
{
    /// <summary>An anonymous struct or union member (C11) and where it starts in its parent.</summary>
    public sealed record AnonymousMember(string Record, long Offset);
}
