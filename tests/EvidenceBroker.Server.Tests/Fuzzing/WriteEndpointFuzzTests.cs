using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace EvidenceBroker.Server.Tests.Fuzzing;

/// <summary>
/// Generated bad input across every write endpoint: no answer is a 5xx, every rejection is a problem document,
/// and a rejected request leaves the database as it was.
/// </summary>
public sealed class WriteEndpointFuzzTests(ITestOutputHelper output)
{
    public const int Samples = 5_000;

    private sealed record Endpoint(string Client, string Url, Func<JsonNode> ValidBody);

    private sealed record Case(int Endpoint, int Mutation, int Seed);

    private static readonly JsonNode?[] BadValues =
    [
        null, 0, -1, 1e308, 3.5, true, false, "", " ", new string('x', 10_000), "\u0000\u0007\u001b", "\ud83d\ude00",
        "2026-13-45", "0", "-1", "GB\n", new JsonArray(), new JsonObject(), new JsonArray(1, "a", null), new JsonObject { ["x"] = 1 },
        "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "urgent", "judge;DROP TABLE requests",
    ];

    [Fact]
    public async Task Five_thousand_bad_requests_get_no_5xx_and_store_nothing()
    {
        await using var broker = new BrokerFactory();
        var direct = await broker.FileAsync("met-case-system", SampleRequests.MetToNorthwindSubscriber());
        var mlat = await broker.FileAsync("mvd-case-system", SampleRequests.MvdToNorthwind());
        Endpoint[] endpoints =
        [
            new("met-case-system", "/api/v1/requests", () => SampleRequests.MetToNorthwindSubscriber()),
            new("met-case-system", "/api/v1/policy/evaluate", () => SampleRequests.MetToNorthwindSubscriber()),
            new("northwind-legal", $"/api/v1/requests/{direct}/clarifications", () => new JsonObject { ["text"] = "Which account?" }),
            new("met-case-system", $"/api/v1/requests/{direct}/clarifications/answer", () => new JsonObject { ["text"] = "The first." }),
            new("northwind-legal", $"/api/v1/requests/{direct}/refusal", () => new JsonObject { ["text"] = "No.", ["grounds"] = new JsonArray("data-not-held") }),
            new("northwind-legal", $"/api/v1/requests/{direct}/objection", () => new JsonObject { ["text"] = "No.", ["grounds"] = new JsonArray("overbroad") }),
            new("met-case-system", $"/api/v1/requests/{direct}/withdrawal", () => new JsonObject { ["text"] = "Case closed." }),
            new("broker-review-desk", $"/api/v1/requests/{direct}/review", () => new JsonObject { ["decision"] = "direct", ["text"] = "Fine." }),
            new("met-case-system", $"/api/v1/requests/{direct}/validation",
                () => new JsonObject { ["validatedBy"] = new JsonObject { ["type"] = "judge", ["name"] = "Judge" } }),
            new("met-case-system", $"/api/v1/requests/{direct}/validation/refusal", () => new JsonObject { ["text"] = "Refused by the judge." }),
            new("met-supervisor-desk", $"/api/v1/requests/{direct}/emergency/confirmation", () => new JsonObject { ["text"] = "Called back." }),
            new("mvd-case-system", $"/api/v1/mlat/drafts/{mlat}/sent", () => new JsonObject { ["text"] = "Sent." }),
            new("broker-admin", "/api/v1/policy/suspensions", () => new JsonObject { ["country"] = "JP", ["reason"] = "Review." }),
            new("broker-admin", "/api/v1/policy/versions", () => new JsonObject { ["files"] = new JsonObject { ["pack.yaml"] = "label: x" } }),
            new("broker-admin", "/api/v1/policy/what-if", () => new JsonObject { ["files"] = new JsonObject { ["pack.yaml"] = "label: x" } }),
        ];
        var clients = new Dictionary<string, HttpClient>();
        foreach (var name in endpoints.Select(e => e.Client).Distinct())
        {
            clients[name] = await broker.ClientAsync(name);
        }

        var statuses = new Dictionary<int, int>();
        var generator = Gen.Select(Gen.Int[0, endpoints.Length - 1], Gen.Int[0, 9], Gen.Int, (e, m, s) => new Case(e, m, s));
        await generator.SampleAsync(async sample =>
        {
            var endpoint = endpoints[sample.Endpoint];
            var random = new Random(sample.Seed);
            using var content = Mutate(endpoint.ValidBody(), sample.Mutation, random);
            var before = await CountsAsync(broker);

            using var response = await clients[endpoint.Client].PostAsync(endpoint.Url, content);
            var status = (int)response.StatusCode;
            lock (statuses)
            {
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }

            Assert.True(status < 500, $"{endpoint.Url} mutation {sample.Mutation}: {status} {await response.Content.ReadAsStringAsync()}");
            if (status >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal(before, await CountsAsync(broker));
            }
        }, iter: Samples, threads: 1);

        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.Equal(Samples, statuses.Values.Sum());
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>Ten ways to spoil a body: wrong values, missing and unknown members, broken JSON, wrong types of content.</summary>
    private static HttpContent Mutate(JsonNode valid, int mutation, Random random)
    {
        switch (mutation)
        {
            case 0:
            case 1:
            {
                var target = PickObject(valid, random);
                var keys = target.Select(p => p.Key).ToList();
                if (keys.Count > 0)
                {
                    target[keys[random.Next(keys.Count)]] = BadValues[random.Next(BadValues.Length)]?.DeepClone();
                }

                return Json(valid.ToJsonString());
            }
            case 2:
            {
                var target = PickObject(valid, random);
                var keys = target.Select(p => p.Key).ToList();
                if (keys.Count > 0)
                {
                    target.Remove(keys[random.Next(keys.Count)]);
                }

                return Json(valid.ToJsonString());
            }
            case 3:
                PickObject(valid, random)["unexpected" + random.Next(100)] = BadValues[random.Next(BadValues.Length)]?.DeepClone();
                return Json(valid.ToJsonString());
            case 4:
            {
                var text = valid.ToJsonString();
                return Json(text[..random.Next(text.Length)]);
            }
            case 5:
            {
                var bytes = new byte[random.Next(1, 400)];
                random.NextBytes(bytes);
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                return content;
            }
            case 6:
                return new StringContent(valid.ToJsonString(), Encoding.UTF8, random.Next(2) == 0 ? "text/plain" : "application/xml");
            case 7:
                return Json(new string('[', random.Next(20, 2000)) + new string(']', random.Next(0, 20)));
            case 8:
                return Json(random.Next(3) switch { 0 => "null", 1 => "[]", _ => "\"just a string\"" });
            default:
            {
                var target = PickObject(valid, random);
                var keys = target.Select(p => p.Key).ToList();
                if (keys.Count > 0)
                {
                    target[keys[random.Next(keys.Count)]] = new string((char)random.Next(0, 32), random.Next(1, 50));
                }

                return Json(valid.ToJsonString());
            }
        }
    }

    private static JsonObject PickObject(JsonNode node, Random random)
    {
        var objects = new List<JsonObject>();
        Collect(node, objects);
        return objects[random.Next(objects.Count)];
    }

    private static void Collect(JsonNode? node, List<JsonObject> into)
    {
        switch (node)
        {
            case JsonObject o:
                into.Add(o);
                foreach (var (_, child) in o)
                {
                    Collect(child, into);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, into);
                }

                break;
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static Task<(int, int, int, int, int)> CountsAsync(BrokerFactory broker) =>
        broker.WithDbAsync(async db => (
            await db.Requests.CountAsync(), await db.AuditEntries.CountAsync(), await db.Outbox.CountAsync(),
            await db.RequestNotes.CountAsync(), await db.PolicyPacks.CountAsync()));
}
