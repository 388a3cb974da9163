using MessageQueue.Gateway.Connections;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// What a guard lets through: connections (its door's gate, shared by both ports), bytes per frame and per message,
/// how long a connection may take to begin its handshake, and, on the publish port, how far a subscriber may fall behind.
/// </summary>
internal sealed record GuardLimits(
    ConnectionGate Gate, long MaxFrameBytes, long MaxMessageBytes, TimeSpan HandshakeTimeout, PeerByteBudget? SubscriberBudget = null);
