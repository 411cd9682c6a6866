using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace EvidenceBroker.Server.Persistence;

/// <summary>
/// An EF Core compiled query, compiled once per model: a compiled query refuses any model but the one it first ran
/// with, and the broker has one model per database provider (a process running both, as the tests do, needs two).
/// </summary>
internal sealed class CompiledPerModel<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> compiled = [];

    public TQuery For(DbContext db) => compiled.GetValue(db.Model, _ => compile());
}
