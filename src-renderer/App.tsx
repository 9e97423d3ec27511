export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: '2rem' }}>
      <h1>Hangar</h1>
      <p>A desktop manager for QEMU virtual machines.</p>
    </main>
  );
}
