namespace VfioSharp.Sharing;

/// <summary>Who a <see cref="VfioBroker"/> serves and how long it waits for them.</summary>
public sealed record VfioBrokerOptions
{
    /// <summary>The socket file's permission bits (default 0600: only the broker's user may connect). Set before the socket listens.</summary>
    public int SocketMode { get; init; } = Convert.ToInt32("600", 8);

    /// <summary>User ids served, checked with SO_PEERCRED on top of the file permissions; null serves anyone who may connect.</summary>
    public IReadOnlyCollection<uint>? AllowedUserIds { get; init; }

    /// <summary>How long one connection may take to send a frame or read a reply before it is dropped (default 5 s), so a stalled worker blocks no one.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
}
