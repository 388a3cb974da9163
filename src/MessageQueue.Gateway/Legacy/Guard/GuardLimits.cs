using MessageQueue.Gateway.Connections;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>What a guard lets through: connections (its door's gate, shared by both ports), and bytes per frame.</summary>
internal sealed record GuardLimits(ConnectionGate Gate, long MaxFrameBytes);
