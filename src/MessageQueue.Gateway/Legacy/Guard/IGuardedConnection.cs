using System.Net;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>One peer's connection through the guard, however it is relayed.</summary>
internal interface IGuardedConnection : IDisposable
{
    /// <summary>The peer's address, for the log.</summary>
    EndPoint? Peer { get; }

    /// <summary>The peer's IP address, as the guard's gate counts it.</summary>
    IPAddress? Address { get; }

    /// <summary>
    /// True once the connection the guard opens itself is up (to NetMQ behind an incoming guard, to the publisher behind
    /// an outgoing one); read after the run has ended.
    /// </summary>
    bool LegConnected { get; }

    /// <summary>Runs until either side closes; the reason when the peer broke the protocol, null otherwise.</summary>
    Task<string?> RunAsync();
}
