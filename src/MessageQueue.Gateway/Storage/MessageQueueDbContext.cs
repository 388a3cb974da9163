using MessageQueue.Gateway.Subjects;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Storage;

/// <summary>
/// The store's model, one for every provider. Each provider has a type of its own (<see cref="SqliteStoreContext"/>,
/// <see cref="PostgreSqlStoreContext"/>) so that EF Core finds that provider's migrations; the rest of the gateway
/// sees this one.
/// </summary>
public abstract class MessageQueueDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<SubjectEntity> Subjects => Set<SubjectEntity>();
    public DbSet<UpdateEntity> Updates => Set<UpdateEntity>();
    public DbSet<SubscriptionEntity> Subscriptions => Set<SubscriptionEntity>();
    public DbSet<NotificationEntity> Notifications => Set<NotificationEntity>();
    public DbSet<DeliveryEntity> Deliveries => Set<DeliveryEntity>();
    public DbSet<InstanceEntity> Instances => Set<InstanceEntity>();

    /// <summary>Registrations with updates that no mail reports yet: they are collected into their next mail.</summary>
    public IQueryable<SubscriptionEntity> RegistrationsAwaitingMail() =>
        Subscriptions.Where(s => s.ConfirmedAt != null && s.Mode != MailMode.Off && Subjects.Any(j => j.Id == s.SubjectId && j.LastSequence > s.MailedThrough));

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<SubjectEntity>(subject =>
        {
            subject.ToTable("Subjects");
            subject.HasIndex(s => s.Name).IsUnique();
            subject.Property(s => s.Name).HasMaxLength(200);
            subject.HasData(DefaultSubjects.All.Select((s, i) => new SubjectEntity
            {
                Id = i + 1,
                Name = s.Name,
                InitialContent = s.Description,
                CreatedAt = DefaultSubjects.SeededAt,
            }));
        });

        modelBuilder.Entity<UpdateEntity>(update =>
        {
            update.ToTable("Updates");
            update.HasIndex(u => new { u.SubjectId, u.Sequence }).IsUnique();
            update.HasIndex(u => new { u.SubjectId, u.IdempotencyKey }).IsUnique();
            update.Property(u => u.Origin).HasMaxLength(Origins.MaxLength);
            update.Property(u => u.IdempotencyKey).HasMaxLength(Origins.MaxIdempotencyKeyLength);
            update.HasOne<SubjectEntity>().WithMany().HasForeignKey(u => u.SubjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SubscriptionEntity>(subscription =>
        {
            subscription.ToTable("Subscriptions");
            subscription.HasIndex(s => new { s.SubjectId, s.NormalizedEmail }).IsUnique();
            subscription.Property(s => s.Email).HasMaxLength(254);
            subscription.Property(s => s.NormalizedEmail).HasMaxLength(254);
            subscription.Property(s => s.Mode).HasConversion<string>().HasMaxLength(16);
            subscription.HasOne<SubjectEntity>().WithMany().HasForeignKey(s => s.SubjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<NotificationEntity>(notification =>
        {
            notification.ToTable("Notifications");
            notification.Property(n => n.Kind).HasConversion<string>().HasMaxLength(16);
            notification.Property(n => n.Email).HasMaxLength(254);
            notification.HasIndex(n => n.ExpandedAt);
            notification.HasOne<SubjectEntity>().WithMany().HasForeignKey(n => n.SubjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DeliveryEntity>(delivery =>
        {
            delivery.ToTable("Deliveries");
            delivery.Property(d => d.Email).HasMaxLength(254);
            delivery.Property(d => d.State).HasConversion<string>().HasMaxLength(16);
            delivery.Property(d => d.LastError).HasMaxLength(1000);
            delivery.Property(d => d.LeaseOwner).HasMaxLength(200);
            delivery.HasIndex(d => new { d.State, d.NextAttemptAt });
            delivery.HasOne<NotificationEntity>().WithMany().HasForeignKey(d => d.NotificationId).OnDelete(DeleteBehavior.Cascade);
            delivery.HasOne<SubjectEntity>().WithMany().HasForeignKey(d => d.SubjectId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<InstanceEntity>(instance =>
        {
            instance.ToTable("Instances");
            instance.Property(i => i.Id).HasMaxLength(32);
            instance.Property(i => i.Name).HasMaxLength(100);
            instance.HasIndex(i => i.HeartbeatAt);
        });
    }
}
