using System.Collections.Concurrent;
using Handoff.Data;
using Microsoft.EntityFrameworkCore;

namespace Handoff.Scoring;

/// <summary>
/// Compiled scoring models by id, for the life of the process. Only active and retired versions are cached, and
/// those never change, so the cache needs no invalidation.
/// </summary>
public sealed class ScoringModelCache
{
    /// <summary>How long this node trusts its memory of which model is active (another node may activate one).</summary>
    public static readonly TimeSpan ActiveTtl = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<Guid, ScoringRules> _rules = new();
    private (ScoringRules? Rules, long At)? _active;
    private int _generation;

    public ScoringRules? Find(Guid id) => _rules.GetValueOrDefault(id);

    /// <summary>
    /// The active model as last looked up, if that was less than <see cref="ActiveTtl"/> ago (real time), so that
    /// capture does not ask the database on every lead. A lead scored by a just-retired model on another node is
    /// caught by the rescore job or the sweep.
    /// </summary>
    public bool TryGetActive(out ScoringRules? rules)
    {
        var active = _active;
        rules = active?.Rules;
        return active is { } a && Environment.TickCount64 - a.At < ActiveTtl.TotalMilliseconds;
    }

    /// <summary>Changes whenever this node activates a model, so that a lookup that began before cannot be remembered after.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public void RememberActive(ScoringRules? rules, int generation)
    {
        lock (_rules)
        {
            if (generation == _generation)
            {
                _active = (rules, Environment.TickCount64);
            }
        }
    }

    /// <summary>Forgets the active model (this node activated another one).</summary>
    public void ForgetActive()
    {
        lock (_rules)
        {
            _generation++;
            _active = null;
        }
    }

    /// <summary>Compiles a saved model (saved documents were validated, so a failure here is a bug).</summary>
    public ScoringRules Compile(ScoringModel model)
    {
        if (_rules.TryGetValue(model.Id, out var cached))
        {
            return cached;
        }

        var compiled = ScoringRules.Compile(model.Read(), model.Version);
        var rules = compiled.Value ?? throw new InvalidOperationException($"Scoring model version {model.Version} does not compile: {compiled.Error}");
        if (model.Status != ScoringModelStatus.Draft)
        {
            _rules[model.Id] = rules;
        }

        return rules;
    }
}

/// <summary>The active scoring model of the workspace, looked up once per scope (one request, one batch).</summary>
public sealed class ActiveScoring(HandoffDb db, ScoringModelCache cache)
{
    private ScoringRules? _rules;
    private bool _loaded;

    /// <summary>The active model's rules, or null when the workspace has none active.</summary>
    /// <param name="fresh">Ask the database even if this node looked it up a moment ago (the rescore sweep does).</param>
    /// <param name="ct">Cancels the lookup.</param>
    public async Task<ScoringRules?> GetAsync(CancellationToken ct, bool fresh = false)
    {
        if (_loaded && !fresh)
        {
            return _rules;
        }

        if (!fresh && cache.TryGetActive(out var remembered))
        {
            _rules = remembered;
            _loaded = true;
            return _rules;
        }

        var generation = cache.Generation;
        var active = await db.ScoringModels.AsNoTracking()
            .Where(m => m.Status == ScoringModelStatus.Active)
            .Select(m => new { m.Id })
            .FirstOrDefaultAsync(ct);
        if (active is not null)
        {
            _rules = cache.Find(active.Id)
                ?? cache.Compile(await db.ScoringModels.AsNoTracking().SingleAsync(m => m.Id == active.Id, ct));
        }

        cache.RememberActive(_rules, generation);
        _loaded = true;
        return _rules;
    }

    /// <summary>Puts the built-in default model in place when the workspace has no scoring model at all.</summary>
    public static void AddDefault(HandoffDb db, DateTime at)
    {
        if (db.ScoringModels.Any())
        {
            return;
        }

        var model = ScoringModel.Draft(1, DefaultScoringModel.Document, at, basedOn: null);
        model.Activate(Common.Actor.System("built-in"), at);
        db.ScoringModels.Add(model);
    }
}
