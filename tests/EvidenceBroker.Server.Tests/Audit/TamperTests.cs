using System.Security.Cryptography;
using EvidenceBroker.Server.Audit;
using EvidenceBroker.Server.Persistence;
using EvidenceBroker.Server.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EvidenceBroker.Server.Tests.Audit;

/// <summary>
/// A broker with 12 audit entries and a signed checkpoint at entry 8. Each test tampers with its own copy of the
/// database file, with the append-only triggers dropped there, as someone with file access could.
/// </summary>
public sealed class TamperFixture : BrokerFactory, IAsyncLifetime
{
    public AuditSigningKey Key => Services.GetRequiredService<AuditSigningKey>();

    /// <summary>The entry the checkpoint signed (startup writes a few entries of its own before the filings).</summary>
    public long CheckpointAt { get; private set; }

    public long Total { get; private set; }

    public async Task InitializeAsync()
    {
        using var met = await ClientAsync("met-case-system");
        for (var i = 0; i < 4; i++)
        {
            (await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).EnsureSuccessStatusCode();
        }

        await using (var scope = Services.CreateAsyncScope())
        {
            CheckpointAt = (await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().WriteIfMovedAsync(CancellationToken.None))!.Sequence;
        }

        Clock.Advance(TimeSpan.FromMinutes(20));
        for (var i = 0; i < 2; i++)
        {
            (await met.PostJsonAsync("/api/v1/requests", SampleRequests.MetToNorthwindSubscriber())).EnsureSuccessStatusCode();
        }

        Total = await WithDbAsync(db => db.AuditEntries.LongCountAsync());
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    /// <summary>A copy of the database with the triggers gone, and a context over it.</summary>
    public async Task<SqliteBrokerDbContext> CopyAsync()
    {
        var path = Path.Combine(DataDirectory, $"copy-{Guid.NewGuid():N}.db");
        await WithDbAsync(db => db.Database.ExecuteSqlAsync($"VACUUM INTO {path}"));
        var db = new SqliteBrokerDbContext(new DbContextOptionsBuilder<SqliteBrokerDbContext>()
            .UseSqlite(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString())
            .UseOpenIddict()
            .Options);
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_update");
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_entries_no_delete");
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_checkpoints_no_update");
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_checkpoints_no_delete");
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_seals_no_update");
        await db.Database.ExecuteSqlRawAsync("DROP TRIGGER audit_seals_no_delete");

        return db;
    }
}

public sealed class TamperTests(TamperFixture broker) : IClassFixture<TamperFixture>
{
    private Task<ChainVerification> VerifyAsync(BrokerDbContext db) => AuditVerifier.VerifyAsync(db, broker.Key, CancellationToken.None);

    [Fact]
    public async Task An_untouched_copy_is_intact_and_covered_by_its_checkpoint()
    {
        await using var db = await broker.CopyAsync();

        var result = await VerifyAsync(db);

        Assert.True(result.Intact, result.Reason);
        Assert.Equal(broker.Total, result.IntactUpTo);
        Assert.Equal(broker.CheckpointAt, result.Checkpoint?.Sequence);
        Assert.True(result.Checkpoint?.Covered);
    }

    [Fact]
    public async Task A_changed_field_is_detected_at_its_entry()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"ActorId\" = 'someone-else' WHERE \"Sequence\" = 3");

        var result = await VerifyAsync(db);

        Assert.Equal((3L, 2L), (result.BrokenAt!.Value, result.IntactUpTo));
        Assert.Contains("content does not match its hash", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_time_that_is_no_instant_is_reported_at_its_entry_rather_than_failing_the_verification()
    {
        await using var db = await broker.CopyAsync();
        // 1 decodes to 1 January of year 1 at +00:01, before the first instant there is.
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"At\" = 1 WHERE \"Sequence\" = 3");

        var result = await VerifyAsync(db);

        Assert.Equal((3L, 2L), (result.BrokenAt!.Value, result.IntactUpTo));
        Assert.Contains("its time cannot be read", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_payload_is_detected_at_its_entry()
    {
        await using var db = await broker.CopyAsync();
        var forged = "{\"outcome\":\"rejected\"}";
        await db.Database.ExecuteSqlAsync($"UPDATE audit_entries SET \"PayloadJson\" = {forged} WHERE \"Sequence\" = 6");

        var result = await VerifyAsync(db);

        Assert.Equal(6, result.BrokenAt);
        Assert.Contains("payload does not match", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_row_is_detected_where_it_is_missing()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries WHERE \"Sequence\" = 5");

        var result = await VerifyAsync(db);

        Assert.Equal((5L, 4L), (result.BrokenAt!.Value, result.IntactUpTo));
        Assert.Contains("entry 5 is missing", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inserted_entry_breaks_the_chain_right_after_it()
    {
        await using var db = await broker.CopyAsync();
        // Make room at 4 (two steps: the key is unique at every row), then insert a well-formed forged entry there.
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Sequence\" = -\"Sequence\" - 1 WHERE \"Sequence\" >= 4");
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Sequence\" = -\"Sequence\" WHERE \"Sequence\" < 0");
        var third = await db.AuditEntries.AsNoTracking().SingleAsync(e => e.Sequence == 3);
        var payload = "{\"note\":\"forged\"}";
        var forged = new AuditEntry
        {
            Sequence = 4, At = third.At, ActorId = "intruder", ActorRole = "administrator", ActorTenant = "Administration:broker",
            Action = "request.withdrawn", SubjectType = "request", SubjectId = third.SubjectId, PayloadJson = payload,
            PayloadHash = AuditHashing.Sha256Hex(payload), PreviousHash = third.Hash, Hash = string.Empty,
        };
        db.AuditEntries.Add(new AuditEntry
        {
            Sequence = forged.Sequence, At = forged.At, ActorId = forged.ActorId, ActorRole = forged.ActorRole, ActorTenant = forged.ActorTenant,
            Action = forged.Action, SubjectType = forged.SubjectType, SubjectId = forged.SubjectId, PayloadJson = forged.PayloadJson,
            PayloadHash = forged.PayloadHash, PreviousHash = forged.PreviousHash, Hash = AuditHashing.HashOf(forged),
        });
        await db.SaveChangesAsync();

        var result = await VerifyAsync(db);

        Assert.Equal((5L, 4L), (result.BrokenAt!.Value, result.IntactUpTo));
        Assert.Contains("previous-hash does not match", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reordered_entries_are_detected_at_the_first_moved_one()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Sequence\" = -1 WHERE \"Sequence\" = 2");
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Sequence\" = 2 WHERE \"Sequence\" = 3");
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Sequence\" = 3 WHERE \"Sequence\" = -1");

        var result = await VerifyAsync(db);

        Assert.Equal((2L, 1L), (result.BrokenAt!.Value, result.IntactUpTo));
    }

    [Fact]
    public async Task A_truncated_tail_is_detected_by_the_signed_checkpoint()
    {
        await using var db = await broker.CopyAsync();
        var cut = broker.CheckpointAt - 1;
        await db.Database.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE \"Sequence\" >= {cut}");

        var result = await VerifyAsync(db);
        var withoutKey = await AuditVerifier.VerifyAsync(db, CancellationToken.None);

        Assert.True(withoutKey.Intact, "the shortened chain is consistent in itself; only the checkpoint can tell");
        Assert.Equal((cut, cut - 1), (result.BrokenAt!.Value, result.IntactUpTo));
        Assert.Contains($"entries {cut}–{broker.CheckpointAt} were cut off the tail", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_tail_whose_checkpoint_was_relabelled_to_an_unknown_key_is_still_detected()
    {
        await using var db = await broker.CopyAsync();
        var cut = broker.CheckpointAt - 1;
        await db.Database.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE \"Sequence\" >= {cut}");
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_checkpoints SET \"KeyId\" = 'ffffffffffffffff'");

        var result = await VerifyAsync(db);

        Assert.False(result.Intact);
        Assert.Equal(cut, result.BrokenAt);
        Assert.Contains("cannot check", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tail_cut_off_with_the_checkpoints_over_it_is_detected_against_a_head_kept_outside()
    {
        await using var db = await broker.CopyAsync();
        var kept = KnownHead.Parse((await VerifyAsync(db)).Head)!;
        var cut = broker.CheckpointAt - 1;
        await db.Database.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE \"Sequence\" >= {cut}");
        await db.Database.ExecuteSqlAsync($"DELETE FROM audit_checkpoints WHERE \"Sequence\" >= {cut}");

        var alone = await VerifyAsync(db);
        var heldToTheKeptHead = await AuditVerifier.VerifyAsync(db, broker.Key, kept, CancellationToken.None);

        Assert.Equal(broker.Total, kept.Sequence);
        Assert.True(alone.Intact, "with its checkpoints gone, the shortened chain is consistent in itself");
        Assert.Equal((cut, cut - 1), (heldToTheKeptHead.BrokenAt!.Value, heldToTheKeptHead.IntactUpTo));
        Assert.Contains($"an earlier verification saw entries up to {broker.Total}", heldToTheKeptHead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_rewritten_after_its_checkpoints_were_deleted_is_caught_by_its_seals()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_checkpoints");
        await RewriteAndRehashFromAsync(db, 3);

        var result = await VerifyAsync(db);

        Assert.False(result.Intact);
        Assert.True(result.BrokenAt <= 3, $"broken at {result.BrokenAt}: the first seal over entry 3 or before");
        Assert.Contains("which the chain no longer has: it was rewritten since", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chain_rewritten_after_its_checkpoints_and_seals_were_deleted_is_detected_against_a_head_kept_outside()
    {
        await using var db = await broker.CopyAsync();
        var kept = KnownHead.Parse((await VerifyAsync(db)).Head)!;
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_checkpoints");
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_seals");
        await RewriteAndRehashFromAsync(db, 3);

        var alone = await VerifyAsync(db);
        var heldToTheKeptHead = await AuditVerifier.VerifyAsync(db, broker.Key, kept, CancellationToken.None);

        Assert.True(alone.Intact);
        Assert.Equal(kept.Sequence, heldToTheKeptHead.BrokenAt);
        Assert.Contains("rewritten and rehashed since", heldToTheKeptHead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_added_after_a_head_kept_outside_with_every_seal_and_checkpoint_deleted_are_reported()
    {
        await using var db = await broker.CopyAsync();
        var kept = KnownHead.Parse((await VerifyAsync(db)).Head)!;
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_checkpoints");
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_seals");
        var forged = await AppendFromOutsideAsync(db);

        var heldToTheKeptHead = await AuditVerifier.VerifyAsync(db, broker.Key, kept, CancellationToken.None);

        Assert.False(heldToTheKeptHead.Intact, "every write since the kept head was sealed, so an entry after it without a seal was added from outside");
        Assert.Equal((forged, forged - 1), (heldToTheKeptHead.BrokenAt!.Value, heldToTheKeptHead.IntactUpTo));
        Assert.Contains($"no seal of the broker covers entry {forged}", heldToTheKeptHead.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_untouched_chain_holds_its_earlier_head_and_reports_its_own()
    {
        await using var db = await broker.CopyAsync();
        var earlier = KnownHead.Parse((await VerifyAsync(db)).Head)!;

        var result = await AuditVerifier.VerifyAsync(db, broker.Key, earlier with { Sequence = 3, Hash = (await db.AuditEntries.SingleAsync(e => e.Sequence == 3)).Hash }, CancellationToken.None);

        Assert.True(result.Intact, result.Reason);
        Assert.Equal(earlier.ToString(), result.Head);
        Assert.Null(KnownHead.Parse("12:" + new string('A', 64)));
        Assert.Null(KnownHead.Parse("0:" + new string('a', 64)));
        Assert.Null(KnownHead.Parse("12"));
    }

    /// <summary>The portal's audit page over a copy of the store, outside a request's pipeline: a showing takes its permit of the whole-store limit.</summary>
    private EvidenceBroker.Server.Portal.Pages.Oversight.AuditModel AuditPage(BrokerDbContext db) =>
        new(db, broker.Key, new EvidenceBroker.Server.Hosting.WholeStoreLimit(Microsoft.Extensions.Options.Options.Create(new EvidenceBroker.Server.Hosting.RateLimitOptions()), TimeProvider.System))
        {
            PageContext = new Microsoft.AspNetCore.Mvc.RazorPages.PageContext { HttpContext = new Microsoft.AspNetCore.Http.DefaultHttpContext() },
        };

    [Fact]
    public async Task The_oversight_portal_s_audit_page_shows_a_truncated_tail_as_broken()
    {
        await using var db = await broker.CopyAsync();
        var cut = broker.CheckpointAt - 1;
        await db.Database.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE \"Sequence\" >= {cut}");
        var page = AuditPage(db);

        await page.OnGetAsync(CancellationToken.None);

        Assert.False(page.Chain.Intact);
        Assert.Equal(cut, page.Chain.BrokenAt);
    }

    [Fact]
    public async Task The_oversight_portal_s_audit_page_shows_a_time_that_is_no_instant_as_the_break_rather_than_failing()
    {
        await using var db = await broker.CopyAsync();
        var last = broker.Total;
        await db.Database.ExecuteSqlAsync($"UPDATE audit_entries SET \"At\" = 1, \"Hash\" = 'short' WHERE \"Sequence\" = {last}");
        var page = AuditPage(db);

        await page.OnGetAsync(CancellationToken.None);

        Assert.Equal(last, page.Chain.BrokenAt);
        Assert.True(page.LatestUnreadable);
        Assert.Equal("short", EvidenceBroker.Server.Portal.Pages.Oversight.AuditModel.Abbreviated("short"));
    }

    [Fact]
    public async Task A_chain_rewritten_and_rehashed_is_detected_by_the_signed_checkpoint()
    {
        await using var db = await broker.CopyAsync();
        await RewriteAndRehashFromAsync(db, 3);

        var result = await VerifyAsync(db);

        Assert.Equal(broker.CheckpointAt, result.BrokenAt);
        Assert.Contains("rewritten and rehashed", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_key_rotation_the_previous_key_s_checkpoints_still_detect_a_rewritten_chain()
    {
        await using var db = await broker.CopyAsync();
        await RewriteAndRehashFromAsync(db, 3);
        using var previousPublicKey = ECDsa.Create();
        previousPublicKey.ImportFromPem(broker.Key.PublicKeyPem);
        using var rotated = new AuditSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), "rotated");
        var listedTwice = ECDsa.Create();
        listedTwice.ImportFromPem(broker.Key.PublicKeyPem);
        using var rotatedKnowingThePrevious = new AuditSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), "rotated", [previousPublicKey, listedTwice]);

        var withoutPrevious = await AuditVerifier.VerifyAsync(db, rotated, CancellationToken.None);
        var withPrevious = await AuditVerifier.VerifyAsync(db, rotatedKnowingThePrevious, CancellationToken.None);

        Assert.False(withoutPrevious.Intact, "a seal by a key the broker cannot check vouches for nothing");
        Assert.Contains("Audit:PreviousPublicKeyPaths", withoutPrevious.Reason, StringComparison.Ordinal);
        Assert.Equal(1, withoutPrevious.UnverifiableCheckpoints);
        Assert.Equal(broker.CheckpointAt, withPrevious.BrokenAt);
        Assert.Equal(0, withPrevious.UnverifiableCheckpoints);
        Assert.Contains("rewritten and rehashed", withPrevious.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_added_after_the_head_from_outside_the_broker_is_not_sealed_and_breaks_the_chain()
    {
        await using var db = await broker.CopyAsync();
        var forged = await AppendFromOutsideAsync(db);

        var result = await VerifyAsync(db);

        Assert.False(result.Intact, "well-formed and chained, but no seal of the broker covers it");
        Assert.Equal((forged, forged - 1), (result.BrokenAt!.Value, result.IntactUpTo));
        Assert.Contains($"no seal of the broker covers entry {forged}", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_added_from_outside_with_a_seal_made_up_for_it_fails_the_seal_s_signature()
    {
        await using var db = await broker.CopyAsync();
        var forged = await AppendFromOutsideAsync(db);
        var genuine = await db.AuditSeals.AsNoTracking().OrderBy(s => s.LastSequence).LastAsync();
        var hash = (await db.AuditEntries.SingleAsync(e => e.Sequence == forged)).Hash;
        db.AuditSeals.Add(new AuditSeal { FirstSequence = forged, LastSequence = forged, LastHash = hash, KeyId = genuine.KeyId, Signature = genuine.Signature });
        await db.SaveChangesAsync();

        var result = await VerifyAsync(db);

        Assert.Equal(forged, result.BrokenAt);
        Assert.Contains("does not carry a valid signature", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_made_up_seal_placed_first_does_not_move_where_sealing_began()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_checkpoints"); // as before the first checkpoint vouched for seals
        db.AuditSeals.Add(new AuditSeal { FirstSequence = 1L << 62, LastSequence = 0, LastHash = new string('0', 64), KeyId = broker.Key.KeyId, Signature = "AAAA" });
        await db.SaveChangesAsync();
        var forged = await AppendFromOutsideAsync(db);

        var result = await VerifyAsync(db);

        Assert.Equal(1, result.SealedFrom);
        Assert.Equal(forged, result.BrokenAt);
    }

    [Fact]
    public async Task The_last_entry_cut_off_after_the_last_checkpoint_is_caught_by_the_seal_over_it()
    {
        await using var db = await broker.CopyAsync();
        var last = await db.AuditSeals.AsNoTracking().OrderBy(s => s.LastSequence).LastAsync();
        await db.Database.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE \"Sequence\" = {last.LastSequence}");

        var result = await VerifyAsync(db);

        Assert.True(last.FirstSequence < last.LastSequence, "a filing's batch seals its two entries together");
        Assert.True(broker.CheckpointAt < last.FirstSequence, "no checkpoint covers the cut entry");
        Assert.Equal(last.LastSequence, result.BrokenAt);
        Assert.Contains("were cut off or replaced", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_key_rotation_not_listed_the_old_key_s_seals_are_reported_not_taken_for_the_time_before_sealing()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_checkpoints"); // no checkpoint the new key can check vouches yet
        using var rotated = new AuditSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), "rotated without listing the previous key");
        var written = await AppendFromOutsideAsync(db); // as the new key's first batch would write it
        var hash = (await db.AuditEntries.SingleAsync(e => e.Sequence == written)).Hash;
        db.AuditSeals.Add(new AuditSeal
        {
            FirstSequence = written, LastSequence = written, LastHash = hash, KeyId = rotated.KeyId,
            Signature = rotated.Sign(AuditSeal.SignedMessage(written, written, hash)),
        });
        await db.SaveChangesAsync();

        var result = await AuditVerifier.VerifyAsync(db, rotated, CancellationToken.None);

        Assert.False(result.Intact, "the entries under the old key's seals are not taken for entries written before sealing");
        Assert.Equal(1, result.BrokenAt);
        Assert.Contains("Audit:PreviousPublicKeyPaths", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_entry_the_broker_wrote_lies_under_its_seal()
    {
        await using var db = await broker.CopyAsync();

        var result = await VerifyAsync(db);
        var seals = await db.AuditSeals.AsNoTracking().OrderBy(s => s.LastSequence).ToListAsync();

        Assert.True(result.Intact, result.Reason);
        Assert.Equal(1, result.SealedFrom);
        Assert.Contains("every entry sealed by the broker", result.Summary, StringComparison.Ordinal);
        Assert.Equal(1, seals[0].FirstSequence);
        Assert.Equal(broker.Total, seals[^1].LastSequence);
        Assert.All(seals.Zip(seals.Skip(1)), pair => Assert.Equal(pair.First.LastSequence + 1, pair.Second.FirstSequence));
        Assert.All(seals, seal => Assert.True(seal.SignatureValid(broker.Key)));
    }

    [Fact]
    public async Task A_checkpoint_altered_in_the_table_fails_its_signature()
    {
        await using var db = await broker.CopyAsync();
        await db.Database.ExecuteSqlRawAsync("UPDATE audit_checkpoints SET \"Sequence\" = \"Sequence\" + 4");

        var result = await VerifyAsync(db);

        Assert.False(result.Intact);
        Assert.False(result.Checkpoint?.SignatureValid);
        Assert.Contains("valid signature", result.Reason, StringComparison.Ordinal);
    }

    /// <summary>Changes entry <paramref name="sequence"/>'s action and rehashes the chain from there, as a forger would.</summary>
    /// <summary>What someone who can write to the database could add: a well-formed entry chained to the head. Returns its sequence.</summary>
    internal static async Task<long> AppendFromOutsideAsync(BrokerDbContext db)
    {
        var head = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence).FirstAsync();
        var at = head.At.AddSeconds(1);
        const string payload = "{}";
        var payloadHash = AuditHashing.Sha256Hex(payload);
        db.AuditEntries.Add(new AuditEntry
        {
            Sequence = head.Sequence + 1,
            At = at,
            ActorId = head.ActorId,
            ActorRole = head.ActorRole,
            ActorTenant = head.ActorTenant,
            Action = "request.withdrawn",
            SubjectType = head.SubjectType,
            SubjectId = head.SubjectId,
            PayloadJson = payload,
            PayloadHash = payloadHash,
            PreviousHash = head.Hash,
            Hash = AuditHashing.Sha256Hex(AuditHashing.Canonical(head.Sequence + 1, at, head.ActorId, head.ActorRole, head.ActorTenant,
                "request.withdrawn", head.SubjectType, head.SubjectId, null, null, null, payloadHash, head.Hash)),
        });
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        return head.Sequence + 1;
    }

    private static async Task RewriteAndRehashFromAsync(BrokerDbContext db, long sequence)
    {
        var entries = await db.AuditEntries.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();
        var previous = AuditHashing.Genesis;
        foreach (var e in entries)
        {
            var action = e.Sequence == sequence ? "request.withdrawn" : e.Action;
            var hash = AuditHashing.Sha256Hex(AuditHashing.Canonical(e.Sequence, e.At, e.ActorId, e.ActorRole, e.ActorTenant, action,
                e.SubjectType, e.SubjectId, e.StateBefore, e.StateAfter, e.PolicyVersion, e.PayloadHash, previous));
            await db.Database.ExecuteSqlAsync($"UPDATE audit_entries SET \"Action\" = {action}, \"PreviousHash\" = {previous}, \"Hash\" = {hash} WHERE \"Sequence\" = {e.Sequence}");
            previous = hash;
        }
    }
}
