import type { ReactNode } from 'react'

export const metadata = { title: 'idweb with Next.js' }

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f7f9; }
  main { max-width: 40rem; margin: 3rem auto; padding: 2rem; background: #fff;
         border: 1px solid #dde1e6; border-radius: 8px; }
  h1 { font-size: 1.5rem; margin-top: 0; }
  a, button.link { color: #0b5cad; }
  button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid #0b5cad;
           background: #0b5cad; color: #fff; cursor: pointer; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
  dt { color: #57606a; }
  nav { display: flex; gap: 1rem; align-items: center; margin-top: 1.5rem; }
`

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <style>{style}</style>
        <main>{children}</main>
      </body>
    </html>
  )
}
