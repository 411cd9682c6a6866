using System.Text.Json;
using EvidenceBroker.Domain.Requests;
using EvidenceBroker.Server.Persistence;

namespace EvidenceBroker.Server.Notifications;

/// <summary>Queues a notification in the caller's transaction; the delivery worker sends it after commit.</summary>
public static class OutboxEntries
{
    public static void Add(BrokerDbContext db, string topic, string recipient, Guid? requestId, object payload, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.AddRow(new OutboxMessage
        {
            Id = RowIds.Version7(now),
            Topic = topic,
            Recipient = recipient,
            RequestId = requestId,
            PayloadJson = JsonSerializer.Serialize(payload, PublicModelJson.Options),
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }

    public static string Agency(string agencyId) => $"agency:{agencyId}";

    public static string Provider(string providerId) => $"provider:{providerId}";
}
